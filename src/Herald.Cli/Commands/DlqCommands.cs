using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary><c>herald dlq list</c> and <c>herald dlq replay &lt;id&gt; | --all</c> (bulk, with a progress bar).</summary>
internal static class DlqCommands
{
    public static Command Build(Runner run) => new("dlq", "The dead-letter queue: list and replay.") { List(run), Replay(run) };

    private static Command List(Runner run)
    {
        var limit = new Option<int>("--limit") { Description = "Page size (1-1000)", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after this delivery id" };
        var all = new Option<bool>("--all") { Description = "Follow the cursor to the end" };
        var command = new Command("list", "List dead deliveries.") { limit, cursor, all };
        command.SetAction(run(async (c, p, ct) =>
        {
            var (rows, next) = await ReadAsync(c, p.GetValue(limit), p.GetValue(cursor), p.GetValue(all), ct);
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["dead_letters"] = CliJson.Array(rows), ["next_cursor"] = next });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("delivery", "notification", "channel", "priority", "attempts", "last error", "updated");
            foreach (var r in rows)
            {
                table.AddRow(StatusCommand.Cells(CliJson.Node(r), "delivery_id", "notification_id", "channel", "priority", "attempts", "last_error", "updated_at"));
            }

            c.Console.Write(table);
            c.Console.WriteLine(next is null ? $"{rows.Count} dead letter(s)" : $"{rows.Count} shown; more with --cursor {next}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Replay(Runner run)
    {
        var id = new Argument<string?>("delivery-id") { Description = "The dead delivery to replay", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Replay every dead delivery" };
        var command = new Command("replay", "Put dead deliveries back in the queue.") { id, all };
        command.SetAction(run(async (c, p, ct) =>
        {
            var one = p.GetValue(id);
            if (one is null == !p.GetValue(all))
            {
                throw new UsageException("give one delivery id or --all");
            }

            // Read the whole list first: replayed deliveries leave it, so paging while replaying would skip some.
            var ids = one is not null ? [one] : (await ReadAsync(c, 1000, null, all: true, ct)).Rows.Select(r => r.DeliveryId).ToList();
            int replayed = 0, skipped = 0;
            var failures = new JsonArray();
            await c.WithProgressAsync("replaying dead letters", ids.Count, async step =>
            {
                foreach (var delivery in ids)
                {
                    try
                    {
                        await c.Herald.ReplayDeadLetterAsync(delivery, ct);
                        replayed++;
                    }
                    catch (HeraldApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && one is null)
                    {
                        // Replayed or sent by someone else since the list was read.
                        skipped++;
                    }
                    catch (HeraldApiException ex) when (one is null)
                    {
                        failures.Add(new JsonObject { ["delivery_id"] = delivery, ["status"] = (int)ex.StatusCode, ["detail"] = ex.Message });
                    }

                    step();
                }
            });
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["replayed"] = replayed, ["skipped"] = skipped, ["failed"] = failures.Count, ["failures"] = failures });
            }
            else
            {
                c.Console.WriteLine($"replayed {replayed}, skipped {skipped} (no longer dead), failed {failures.Count}");
                foreach (var f in failures)
                {
                    c.Environment.Error.WriteLine($"  {f!["delivery_id"]}: {f["status"]} {f["detail"]}");
                }
            }

            return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        }));
        return command;
    }

    private static async Task<(List<DeadLetter> Rows, string? Next)> ReadAsync(CliContext c, int limit, string? cursor, bool all, CancellationToken ct)
    {
        if (limit is < 1 or > 1000)
        {
            throw new UsageException("--limit must be between 1 and 1000");
        }

        var rows = new List<DeadLetter>();
        do
        {
            var page = await c.Herald.ListDeadLettersAsync(limit: limit, cursor: cursor, cancellationToken: ct);
            rows.AddRange(page.DeadLetters);
            cursor = page.NextCursor;
        }
        while (all && cursor is not null);

        return (rows, cursor);
    }
}
