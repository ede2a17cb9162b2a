using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Client;

namespace Herald.Cli.Commands;

/// <summary><c>herald send --event order.shipped --to user-1 --data '{"n":1}'</c>: POST /api/v1/notifications through Herald.Client.</summary>
internal static class SendCommand
{
    public static Command Build(Runner run)
    {
        var eventType = new Option<string>("--event", "-e") { Description = "Event type (also the template id unless --template)", Required = true };
        var to = new Option<string>("--to", "-t") { Description = "Recipient id", Required = true };
        var data = new Option<string?>("--data", "-d") { Description = "Template data as a JSON object" };
        var channels = new Option<string[]>("--channel", "-c") { Description = "Channel (repeat for several): in_app, email, sms, push, webhook", AllowMultipleArgumentsPerToken = true };
        var priority = new Option<string?>("--priority", "-p") { Description = "urgent, normal or low" };
        var template = new Option<string?>("--template") { Description = "Template id when it differs from the event type" };
        var key = new Option<string?>("--idempotency-key", "-k") { Description = "Idempotency key (a retry with the same key is answered, not resent)" };
        var command = new Command("send", "Send one notification.") { eventType, to, data, channels, priority, template, key };
        command.SetAction(run(async (c, p, ct) =>
        {
            var request = new SendNotificationRequest(p.GetValue(eventType)!)
            {
                RecipientId = p.GetValue(to),
                Data = ParseData(p.GetValue(data)),
                Channels = p.GetValue(channels) is { Length: > 0 } list ? [.. list.Select(ParseChannel)] : null,
                Priority = Blank(p.GetValue(priority)) is { } name ? ParsePriority(name) : null,
                TemplateId = Blank(p.GetValue(template)),
                IdempotencyKey = Blank(p.GetValue(key)),
            };
            var accepted = await c.Herald.SendNotificationAsync(request, ct);
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["id"] = accepted.Id, ["status"] = accepted.Status });
            }
            else
            {
                c.Environment.Out.WriteLine($"accepted {accepted.Id} ({accepted.Status}); herald status {accepted.Id} shows its deliveries and trace");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static JsonObject ParseData(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new UsageException("--data must be a JSON object, such as '{\"name\":\"Ada\"}'");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new UsageException($"--data is not valid JSON: {ex.Message}");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    // The API's names (and its wording when a name is unknown), checked here since the typed request carries enums.
    private static Priority ParsePriority(string name) => name switch
    {
        "urgent" => Priority.Urgent,
        "normal" => Priority.Normal,
        "low" => Priority.Low,
        _ => throw new UsageException($"unknown priority '{name}'; expected urgent, normal or low"),
    };

    private static Channel ParseChannel(string name) => name switch
    {
        "push" => Channel.Push,
        "email" => Channel.Email,
        "sms" => Channel.Sms,
        "in_app" => Channel.InApp,
        "webhook" => Channel.Webhook,
        _ => throw new UsageException($"unknown channel '{name}'; expected push, email, sms, in_app or webhook"),
    };
}
