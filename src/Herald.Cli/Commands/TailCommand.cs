using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Client;
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
            var query = new NotificationQuery { Limit = 50, RecipientId = p.GetValue(recipient) };
            var finished = new HashSet<string>(StringComparer.Ordinal);
            var following = new List<string>();
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            var printed = 0;
            var first = true;
            try
            {
                while (limit is null || printed < limit)
                {
                    foreach (var n in (await c.Herald.ListNotificationsAsync(query, stop.Token)).Notifications)
                    {
                        var id = n.Id;
                        var done = n.Status is "completed" or "cancelled";
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
                        var n = await c.Herald.GetNotificationAsync(id, stop.Token);
                        foreach (var d in n.Deliveries ?? [])
                        {
                            if (seen.GetValueOrDefault(d.Id) != d.Status && (limit is null || printed < limit))
                            {
                                seen[d.Id] = d.Status;
                                printed++;
                                Print(c, n, d);
                            }
                        }

                        if (n.Status is "completed" or "cancelled")
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

    private static void Print(CliContext c, Notification n, Delivery d)
    {
        var channel = CliJson.Node(d.Channel);
        if (c.Json)
        {
            c.WriteJsonLine(new JsonObject
            {
                ["notification_id"] = n.Id, ["event_type"] = n.EventType, ["recipient_id"] = n.RecipientId,
                ["delivery_id"] = d.Id, ["channel"] = channel, ["provider"] = d.Provider,
                ["status"] = d.Status, ["attempts"] = d.Attempts, ["last_error"] = d.LastError,
            });
            return;
        }

        var error = d.LastError is { } e ? $"  ({e})" : "";
        c.Console.WriteLine($"{d.Status,-10} {channel,-8} {d.Provider ?? "-",-12} {n.EventType} → {n.RecipientId}  {d.Id}{error}");
    }
}
