using System.CommandLine;
using System.Text.Json.Nodes;

namespace Herald.Cli.Commands;

/// <summary><c>herald send --event order.shipped --to user-1 --data '{"n":1}'</c>: POST /api/v1/notifications.</summary>
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
            var body = new JsonObject
            {
                ["event_type"] = p.GetValue(eventType),
                ["recipient_id"] = p.GetValue(to),
                ["data"] = ParseData(p.GetValue(data)),
            };
            if (p.GetValue(channels) is { Length: > 0 } list)
            {
                body["channels"] = new JsonArray([.. list.Select(x => (JsonNode?)JsonValue.Create(x))]);
            }

            Add(body, "priority", p.GetValue(priority));
            Add(body, "template_id", p.GetValue(template));
            Add(body, "idempotency_key", p.GetValue(key));
            var accepted = await c.Api.PostAsync("/api/v1/notifications", body, ct);
            if (c.Json)
            {
                c.WriteJson(accepted);
            }
            else
            {
                c.Environment.Out.WriteLine($"accepted {accepted["id"]} ({accepted["status"]}); herald status {accepted["id"]} shows its deliveries and trace");
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

    private static void Add(JsonObject body, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            body[name] = value;
        }
    }
}
