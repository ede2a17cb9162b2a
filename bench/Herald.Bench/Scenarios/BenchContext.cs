using Herald.Bench.Infrastructure;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>What every scenario gets: where the repository is, a private work folder, the options, and a status line.</summary>
internal sealed record BenchContext(string Repository, string Work, BenchOptions Options, Action<string> Status)
{
    /// <summary>A new folder under the run's work folder.</summary>
    public string Folder(string name)
    {
        var path = Path.Combine(Work, name);
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>
/// Command-line options: which modes, how many Herald processes the distributed mode runs (each count in turn), and the
/// quick variant (smaller counts, for trying the tool).
/// </summary>
internal sealed record BenchOptions(IReadOnlyList<Mode> Modes, bool Quick, bool Append)
{
    public IReadOnlyList<int> Nodes { get; init; } = [Deployment.DefaultNodes];

    /// <summary>The throughput ladders to run (<c>--kinds single,batch-100,webhook</c>); null: all of them.</summary>
    public IReadOnlySet<string>? Kinds { get; init; }

    /// <summary>Distributed steps also report PostgreSQL's time per statement (<c>--pg-statements</c>: pg_stat_statements loaded; off by default, it costs a little).</summary>
    public bool PgStatements { get; init; }

    /// <summary>Scales a count or duration down by 10 in the quick variant.</summary>
    public int Scale(int full) => Quick ? Math.Max(1, full / 10) : full;

    /// <summary>The deployments to measure, in order: embedded (one process), then distributed with each node count.</summary>
    public IEnumerable<(Mode Mode, int Nodes)> Deployments() =>
        Modes.SelectMany(m => m == Mode.Embedded ? [(m, 1)] : Nodes.Select(n => (m, n)));

    /// <summary>Parses <c>--nodes 1,2,3</c>: positive counts, comma-separated; null when it is not that.</summary>
    public static IReadOnlyList<int>? ParseNodes(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var counts = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n is < 1 or > 16)
            {
                return null;
            }

            counts.Add(n);
        }

        return counts;
    }
}

/// <summary>A scenario: a name for the command line and a run that produces one report per mode it measured.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct);
}
