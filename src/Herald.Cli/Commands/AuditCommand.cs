using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald audit</c>: the audit log of operator actions (an admin key), newest first, filtered as
/// <c>GET /api/v1/audit</c> filters: action, actor, target, a time range, a page size and a cursor.
/// </summary>
internal static class AuditCommand
{
    /// <summary>The API's largest page.</summary>
    public const int MaxLimit = 500;

    public static Command Build(Runner run)
    {
        var action = new Option<string?>("--action", "-a") { Description = "Only this action (e.g. key.revoked, template.published, dlq.replayed)" };
        var actor = new Option<string?>("--actor") { Description = "Only actions of this API key id (or 'system')" };
        var target = new Option<string?>("--target") { Description = "Only actions on this resource id" };
        var since = new Option<string?>("--since") { Description = "From this time: RFC 3339, or an age such as 30m, 24h, 7d" };
        var until = new Option<string?>("--until") { Description = "Up to this time (inclusive): RFC 3339, or an age such as 1h" };
        var limit = new Option<int>("--limit") { Description = $"Page size (1-{MaxLimit})", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after this entry id (the next_cursor of a page)" };
        var all = new Option<bool>("--all") { Description = "Follow the cursor to the end" };
        var command = new Command("audit", "The audit log: who did what to which resource, newest first (needs an admin key).")
        {
            action, actor, target, since, until, limit, cursor, all,
        };
        command.SetAction(run(async (c, p, ct) =>
        {
            var n = p.GetValue(limit);
            if (n is < 1 or > MaxLimit)
            {
                throw new UsageException($"--limit must be between 1 and {MaxLimit}");
            }

            var now = TimeProvider.System.GetUtcNow();
            var query = new AuditQuery
            {
                Action = p.GetValue(action), Actor = p.GetValue(actor), Target = p.GetValue(target),
                From = Time("--since", p.GetValue(since), now), To = Time("--until", p.GetValue(until), now), Limit = n, Cursor = p.GetValue(cursor),
            };
            var (entries, next) = await ReadAsync(c, query, p.GetValue(all), ct);
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["entries"] = new JsonArray([.. entries]), ["next_cursor"] = next });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("at", "action", "actor", "target", "details");
            foreach (var e in entries)
            {
                var cells = StatusCommand.Cells(e, "at", "action", "actor", "target");
                table.AddRow([.. cells, Markup.Escape(e["details"]?.ToJsonString() ?? "")]);
            }

            c.Console.Write(table);
            c.Console.WriteLine(next is null ? $"{entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}" : $"{entries.Count} shown; more with --cursor {next}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>An RFC 3339 time (no offset: UTC), or an age (30m, 24h, 7d, 90s) as the time that long before <paramref name="now"/>; null when not given.</summary>
    public static DateTimeOffset? Time(string option, string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (value.Length >= 2 && char.IsAsciiDigit(value[0])
            && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && Age(value[^1], amount) is { } age)
        {
            return (now - age).ToUniversalTime();
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new UsageException($"{option} must be an RFC 3339 time (2026-01-31T09:00:00Z) or an age such as 30m, 24h, 7d");
        }

        return time;
    }

    private static TimeSpan? Age(char unit, int amount) => unit switch
    {
        's' => TimeSpan.FromSeconds(amount),
        'm' => TimeSpan.FromMinutes(amount),
        'h' => TimeSpan.FromHours(amount),
        'd' => TimeSpan.FromDays(amount),
        _ => null,
    };

    /// <summary>The page the query names, or with <paramref name="all"/> every page from it on; entries in the API's JSON form.</summary>
    private static async Task<(List<JsonNode> Entries, string? Next)> ReadAsync(CliContext c, AuditQuery query, bool all, CancellationToken ct)
    {
        var entries = new List<JsonNode>();
        do
        {
            var page = await c.Herald.ListAuditEntriesAsync(query, ct);
            entries.AddRange(page.Entries.Select(e => CliJson.Node(e)));
            query = query with { Cursor = page.NextCursor };
        }
        while (all && query.Cursor is not null);

        return (entries, query.Cursor);
    }
}
