using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald tail</c>: prints each delivery status change as it happens, polling the newest notifications and following
/// the ones not yet completed. What had finished before the tail started is not shown. Stops on Ctrl+C, after
/// <c>--count</c> changes or after <c>--duration</c>.
/// </summary>
internal static class TailCommand
{
    private const int Follow = 200;

    public static Command Build(Runner run)
    {
        var interval = new Option<double>("--interval") { Description = "Seconds between polls", DefaultValueFactory = _ => 1 };
        var count = new Option<int?>("--count", "-n") { Description = "Stop after this many status changes" };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds" };
        var recipient = new Option<string?>("--recipient", "-r") { Description = "Only this recipient's notifications" };
        var command = new Command("tail", "Follow deliveries live.") { interval, count, duration, recipient };
        command.SetAction(run(async (c, p, ct) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (p.GetValue(duration) is { } seconds)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            var limit = p.GetValue(count);
            var query = "/api/v1/notifications?limit=50" + (p.GetValue(recipient) is { } r ? "&recipient_id=" + Uri.EscapeDataString(r) : "");
            var finished = new HashSet<string>(StringComparer.Ordinal);
            var following = new List<string>();
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            var printed = 0;
            var first = true;
            try
            {
                while (limit is null || printed < limit)
                {
                    foreach (var n in (await c.Api.GetAsync(query, stop.Token))["notifications"]?.AsArray() ?? [])
                    {
                        var id = n!["id"]!.GetValue<string>();
                        var done = n["status"]?.GetValue<string>() is "completed" or "cancelled";
                        if (first && done)
                        {
                            finished.Add(id);
                        }
                        else if (!finished.Contains(id) && !following.Contains(id))
                        {
                            following.Add(id);
                        }
                    }

                    first = false;
                    foreach (var id in following.ToList())
                    {
                        var n = await c.Api.GetAsync($"/api/v1/notifications/{id}", stop.Token);
                        foreach (var d in n["deliveries"]?.AsArray() ?? [])
                        {
                            var key = d!["id"]!.GetValue<string>();
                            var status = d["status"]?.GetValue<string>() ?? "";
                            if (seen.GetValueOrDefault(key) != status && (limit is null || printed < limit))
                            {
                                seen[key] = status;
                                printed++;
                                Print(c, n, d);
                            }
                        }

                        if (n["status"]?.GetValue<string>() is "completed" or "cancelled")
                        {
                            following.Remove(id);
                            finished.Add(id);
                        }
                    }

                    // Bounded: the oldest followed notifications are dropped first.
                    if (following.Count > Follow)
                    {
                        following.RemoveRange(0, following.Count - Follow);
                    }

                    if (limit is null || printed < limit)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.05, p.GetValue(interval))), stop.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // --duration elapsed: a normal end.
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(CliContext c, JsonNode n, JsonNode d)
    {
        if (c.Json)
        {
            c.WriteJsonLine(new JsonObject
            {
                ["notification_id"] = n["id"]?.DeepClone(), ["event_type"] = n["event_type"]?.DeepClone(), ["recipient_id"] = n["recipient_id"]?.DeepClone(),
                ["delivery_id"] = d["id"]?.DeepClone(), ["channel"] = d["channel"]?.DeepClone(), ["provider"] = d["provider"]?.DeepClone(),
                ["status"] = d["status"]?.DeepClone(), ["attempts"] = d["attempts"]?.DeepClone(), ["last_error"] = d["last_error"]?.DeepClone(),
            });
            return;
        }

        var error = d["last_error"]?.GetValue<string>() is { } e ? $"  ({e})" : "";
        c.Console.WriteLine($"{d["status"],-10} {d["channel"],-8} {d["provider"] ?? "-",-12} {n["event_type"]} → {n["recipient_id"]}  {d["id"]}{error}");
    }
}
