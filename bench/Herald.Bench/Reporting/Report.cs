using System.Globalization;
using System.Text;

namespace Herald.Bench.Reporting;

/// <summary>A table of the report: a title, a header and rows of formatted cells.</summary>
internal sealed record Table(string Title, IReadOnlyList<string> Header)
{
    public List<IReadOnlyList<string>> Rows { get; } = [];

    public Table Add(params string[] cells)
    {
        Rows.Add(cells);
        return this;
    }
}

/// <summary>One of the issue's targets, what was measured against it, and whether it was met.</summary>
internal sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>What a scenario measured: tables for people, figures for machines, targets met or missed, notes.</summary>
internal sealed class ScenarioReport(string scenario, string mode)
{
    public string Scenario { get; } = scenario;

    public string Mode { get; } = mode;

    public List<Table> Tables { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    public SortedDictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    public TimeSpan Elapsed { get; set; }
}

/// <summary>The run: where and on what it ran, and the scenarios' reports.</summary>
internal sealed record RunReport(DateTimeOffset At, string Commit, string Machine, double? FlushMicroseconds, IReadOnlyList<ScenarioReport> Scenarios)
{
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        foreach (var s in Scenarios)
        {
            md.Append(CultureInfo.InvariantCulture, $"### {s.Scenario} ({s.Mode}) — {At:yyyy-MM-dd HH:mm} UTC, commit `{Commit}`\n\n");
            md.Append(CultureInfo.InvariantCulture, $"Machine: {Machine}; disk flush (pg_test_fsync, fdatasync of 8 kB): {(FlushMicroseconds is { } f ? $"{f:0} µs" : "not measured")}; scenario took {s.Elapsed.TotalSeconds:0} s.\n\n");
            foreach (var table in s.Tables)
            {
                md.Append(CultureInfo.InvariantCulture, $"**{table.Title}**\n\n");
                md.Append("| ").Append(string.Join(" | ", table.Header)).Append(" |\n");
                md.Append('|').Append(string.Concat(table.Header.Select(_ => "---|"))).Append('\n');
                foreach (var row in table.Rows)
                {
                    md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
                }

                md.Append('\n');
            }

            if (s.Targets.Count > 0)
            {
                md.Append("| target | measured | met |\n|---|---|---|\n");
                foreach (var t in s.Targets)
                {
                    md.Append(CultureInfo.InvariantCulture, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
                }

                md.Append('\n');
            }

            foreach (var note in s.Notes)
            {
                md.Append("- ").Append(note).Append('\n');
            }

            if (s.Notes.Count > 0)
            {
                md.Append('\n');
            }
        }

        return md.ToString();
    }
}

/// <summary>Number formats used across the report.</summary>
internal static class Fmt
{
    public static string N(double value) => double.IsNaN(value) ? "–" : value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Ms(double value) => double.IsNaN(value) ? "–" : value < 10 ? value.ToString("0.00", CultureInfo.InvariantCulture) : value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Pct(double share) => double.IsNaN(share) ? "–" : (share * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    /// <summary>CPU µs per notification as "all (Herald / PostgreSQL / RabbitMQ)"; "–" for a group the deployment does not have.</summary>
    public static string Cpu(Infrastructure.CpuSample perItem)
    {
        ArgumentNullException.ThrowIfNull(perItem);
        return $"{N(perItem.All)} ({N(perItem.Herald)} / {N(perItem.Postgres)} / {N(perItem.RabbitMq)})";
    }

    public static string MiB(double bytes) => (bytes / (1024.0 * 1024.0)).ToString("#,0", CultureInfo.InvariantCulture) + " MiB";
}
