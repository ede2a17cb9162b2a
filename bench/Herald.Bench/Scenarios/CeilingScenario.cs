using System.Diagnostics;
using Herald.Bench.Ceiling;
using Herald.Bench.Infrastructure;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>The raw steps the pipeline cannot avoid, alone (the throughput scenario measures them again in its own run).</summary>
internal sealed class CeilingScenario : IScenario
{
    public string Name => "ceiling";

    public string Description => "cost of the unavoidable raw steps (durable batched inserts, a RabbitMQ round, Kestrel POSTs) and the per-notification ceiling";

    public async Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        context.Status("starting PostgreSQL and RabbitMQ (scripts/lib/services.sh)");
        await using var services = await Services.StartAsync(context.Repository, context.Folder("services"), ct);
        var ceiling = await CeilingProbe.MeasureAsync(new CeilingTargets(context.Folder("ceiling"), services.Postgres, services.RabbitMq,
            context.Options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5)), context.Status, ct);
        var report = new ScenarioReport("ceiling", "raw steps, no Herald");
        var table = new Table("Raw steps", ["step", "per second", "µs per item", "detail"]);
        foreach (var c in ceiling.Steps)
        {
            table.Add(c.Name, $"{Fmt.N(c.PerSecond)} {c.Unit}", Fmt.Ms(c.MicrosecondsPerItem), c.Detail);
        }

        table.Add("**embedded ceiling**", Fmt.N(ceiling.EmbeddedPerSecond) + " notifications", Fmt.Ms(1e6 / ceiling.EmbeddedPerSecond), "");
        table.Add("**distributed ceiling**", Fmt.N(ceiling.DistributedPerSecond ?? double.NaN) + " notifications", Fmt.Ms(1e6 / (ceiling.DistributedPerSecond ?? double.NaN)), "");
        report.Tables.Add(table);
        report.Notes.Add(ceiling.Model);
        report.Figures["embedded_ceiling_per_s"] = ceiling.EmbeddedPerSecond;
        report.Figures["distributed_ceiling_per_s"] = ceiling.DistributedPerSecond ?? double.NaN;
        report.Elapsed = clock.Elapsed;
        return [report];
    }
}
