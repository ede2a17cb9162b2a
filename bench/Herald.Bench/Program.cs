using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Herald.Bench.Infrastructure;
using Herald.Bench.Reporting;
using Herald.Bench.Scenarios;
using Spectre.Console;

namespace Herald.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Herald.Bench -- &lt;scenario&gt; [--mode embedded|distributed|postgres|both|all] [--nodes 1,2,3] [--kinds single,batch-100,webhook] [--pg-statements] [--quick] [--no-append]</c>.
/// Starts what it measures itself on loopback, prints progress, writes a JSON result to bench/results and appends the
/// Markdown report to docs/benchmarks.md.
/// </summary>
internal static class Program
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly IScenario[] All = [new Throughput(), new CeilingScenario(), new Lanes(), new MemoryScenario(), new Overload()];

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" || All.All(s => s.Name != args[0]))
        {
            AnsiConsole.MarkupLine("usage: Herald.Bench <scenario> [--mode embedded|distributed|postgres|both|all] [--nodes 1,2,3] [--kinds single,batch-100,webhook] [--pg-statements] [--quick] [--no-append]");
            AnsiConsole.MarkupLine("  --kinds: throughput only, the ladders to run (default all; for profiling one of them)");
            AnsiConsole.MarkupLine("  --pg-statements: throughput, distributed: PostgreSQL's time per statement per step (pg_stat_statements)");
            AnsiConsole.MarkupLine($"  --nodes: Herald processes in the distributed mode, each count measured in turn (default {Deployment.DefaultNodes})");
            foreach (var s in All)
            {
                AnsiConsole.MarkupLine($"  [bold]{s.Name,-11}[/] {Markup.Escape(s.Description)}");
            }

            return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
        }

        var scenario = All.Single(s => s.Name == args[0]);
        var mode = Value(args, "--mode") ?? (scenario is Throughput ? "both" : "embedded");
        var modes = mode switch
        {
            "embedded" => new[] { Mode.Embedded },
            "distributed" => [Mode.Distributed],
            "both" => [Mode.Embedded, Mode.Distributed],
            "postgres" => [Mode.Postgres],
            "all" => [Mode.Embedded, Mode.Distributed, Mode.Postgres],
            _ => null,
        };
        if (modes is null)
        {
            AnsiConsole.MarkupLine($"[red]unknown mode '{Markup.Escape(mode)}'[/]: embedded, distributed, postgres, both or all");
            return 2;
        }

        var nodes = Value(args, "--nodes") is { } list ? BenchOptions.ParseNodes(list) : [Deployment.DefaultNodes];
        if (nodes is null)
        {
            AnsiConsole.MarkupLine("[red]--nodes takes comma-separated process counts from 1 to 16, e.g. 1,2,3[/]");
            return 2;
        }

        var repository = Repository();
        var work = Path.Combine(Path.GetTempPath(), $"herald-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            var context = new BenchContext(repository, work, new BenchOptions(modes, args.Contains("--quick"), !args.Contains("--no-append"))
            {
                Nodes = nodes,
                PgStatements = args.Contains("--pg-statements"),
                Kinds = Value(args, "--kinds") is { } kinds ? kinds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) : null,
            }, _ => { });
            var flush = await Services.FlushMicrosecondsAsync(Path.Combine(work, "fsync"), cts.Token);
            var clock = Stopwatch.StartNew();
            IReadOnlyList<ScenarioReport> reports = [];
            await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync($"{scenario.Name}: starting", async status =>
            {
                var last = Stopwatch.StartNew();
                var interactive = AnsiConsole.Profile.Capabilities.Interactive;
                void Show(string line)
                {
                    status.Status(Markup.Escape($"{scenario.Name} [{clock.Elapsed:mm\\:ss}] {line}"));
                    if (!interactive && last.Elapsed > TimeSpan.FromSeconds(5))
                    {
                        last.Restart();
                        Console.WriteLine($"{scenario.Name} [{clock.Elapsed:mm\\:ss}] {line}");
                    }
                }

                reports = await scenario.RunAsync(context with { Status = Show }, cts.Token);
            });

            var run = new RunReport(DateTimeOffset.UtcNow, await CommitAsync(repository), Machine(), flush, reports);
            var markdown = run.ToMarkdown();
            Console.WriteLine();
            Console.WriteLine(markdown);
            var results = Path.Combine(repository, "bench", "results");
            Directory.CreateDirectory(results);
            var json = Path.Combine(results, $"{run.At:yyyyMMdd-HHmmss}-{scenario.Name}.json");
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(run, JsonOptions), cts.Token);
            Console.WriteLine($"JSON: {Path.GetRelativePath(repository, json)}");
            if (context.Options.Append)
            {
                await AppendAsync(Path.Combine(repository, "docs", "benchmarks.md"), markdown, cts.Token);
                Console.WriteLine("appended to docs/benchmarks.md");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // Files of a server user (PostgreSQL) may stay; the folder is in /tmp.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Repository()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the benchmark from the Herald repository (Herald.slnx not found above the current folder)");
    }

    private static async Task<string> CommitAsync(string repository)
    {
        try
        {
            var head = (await Services.BashAsync($"git -C '{repository}' rev-parse --short HEAD", CancellationToken.None)).Trim();
            var dirty = await Services.BashAsync($"git -C '{repository}' status --porcelain --untracked-files=no -- src bench", CancellationToken.None);
            return dirty.Trim().Length > 0 ? head + " (with uncommitted changes)" : head;
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores{(cpu is null ? "" : $" ({cpu})")}, {memory:0} GiB, {Environment.OSVersion.VersionString}, .NET {Environment.Version}");
    }

    private static async Task AppendAsync(string path, string markdown, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            await File.WriteAllTextAsync(path, "# Benchmarks\n\nResults of `bench/Herald.Bench`, newest last. See the README's Benchmark section for how to run it.\n\n", ct);
        }

        await File.AppendAllTextAsync(path, markdown, ct);
    }
}
