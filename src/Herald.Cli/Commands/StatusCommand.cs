using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary><c>herald status ntf_…</c>: the notification, its deliveries and its trace as tables.</summary>
internal static class StatusCommand
{
    public static Command Build(Runner run)
    {
        var id = new Argument<string>("id") { Description = "Notification id" };
        var command = new Command("status", "Show a notification: deliveries and the trace of every decision.") { id };
        command.SetAction(run(async (c, p, ct) =>
        {
            var n = CliJson.Node(await c.Herald.GetNotificationAsync(p.GetValue(id)!, ct));
            if (c.Json)
            {
                c.WriteJson(n);
                return ExitCodes.Ok;
            }

            c.Console.WriteLine($"{n["id"]}  {n["event_type"]} → {n["recipient_id"]}  priority {n["priority"]}  status {n["status"]}  template {n["template_id"]} v{n["template_version"]}");
            var deliveries = new Table().Title("Deliveries").AddColumns("id", "channel", "target", "provider", "status", "attempts", "sent at", "last error");
            foreach (var d in n["deliveries"]?.AsArray() ?? [])
            {
                deliveries.AddRow(Cells(d, "id", "channel", "target", "provider", "status", "attempts", "sent_at", "last_error"));
            }

            c.Console.Write(deliveries);
            var trace = new Table().Title("Trace").AddColumns("at", "stage", "channel", "decision", "reason");
            foreach (var t in n["trace"]?.AsArray() ?? [])
            {
                trace.AddRow(Cells(t, "at", "stage", "channel", "decision", "reason"));
            }

            c.Console.Write(trace);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The named fields of a JSON object as escaped table cells ("" for null).</summary>
    public static string[] Cells(JsonNode? row, params string[] names) => [.. names.Select(name => Markup.Escape(row?[name]?.ToString() ?? ""))];
}
