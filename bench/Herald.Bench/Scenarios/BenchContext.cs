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

/// <summary>Command-line options: which modes, and the quick variant (smaller counts, for trying the tool).</summary>
internal sealed record BenchOptions(IReadOnlyList<Mode> Modes, bool Quick, bool Append)
{
    /// <summary>Scales a count or duration down by 10 in the quick variant.</summary>
    public int Scale(int full) => Quick ? Math.Max(1, full / 10) : full;
}

/// <summary>A scenario: a name for the command line and a run that produces one report per mode it measured.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct);
}
