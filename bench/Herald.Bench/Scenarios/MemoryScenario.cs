using System.Diagnostics;
using System.Globalization;
using Herald.Bench.Infrastructure;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>
/// Resident memory and store bytes per 1,000,000 queued notifications: accepted, durable, and scheduled for tomorrow,
/// so they stay queued. A backlog should live in the store, not in the process.
/// </summary>
internal sealed class MemoryScenario : IScenario
{
    public string Name => "memory";

    public string Description => "resident memory and store bytes per 1,000,000 queued notifications";

    public async Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var reports = new List<ScenarioReport>();
        foreach (var (mode, nodes) in context.Options.Deployments())
        {
            var clock = Stopwatch.StartNew();
            var report = new ScenarioReport("memory", Deployment.Describe(mode, nodes));
            await using var herald = await Deployment.StartAsync(mode, null, context.Repository, context.Folder($"memory-{mode}-{nodes}".ToLowerInvariant()), null, context.Status, ct, nodes);
            var count = context.Options.Scale(1_000_000);

            // Warm up (JIT, pools, caches) with a small batch that is delivered, so the baseline is a working server.
            await Campaign.SendAsync(herald, "bench.memory.warmup", 2_000, "normal", null, context.Status, ct);
            await Drain.WaitAsync(herald.Probe, "bench.memory.warmup", TimeSpan.FromSeconds(30), context.Status, ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var (baseline, _) = herald.Memory();
            var storeBefore = await herald.Probe.StoreBytesAsync(ct);

            await using var sampler = new MemorySampler(herald);
            var took = await Campaign.SendAsync(herald, "bench.memory.queued", count, "low", DateTimeOffset.UtcNow.AddDays(1), context.Status, ct);
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            var (after, _) = herald.Memory();
            var stored = await herald.Probe.NotificationsAsync("bench.memory.queued", ct);
            var storeAfter = await herald.Probe.StoreBytesAsync(ct);
            var perMillion = 1_000_000.0 / Math.Max(stored, 1);

            var table = new Table($"{stored:#,0} notifications queued (scheduled for tomorrow)", ["measure", "value", "per 1,000,000 queued"]);
            table.Add("resident, idle after warm-up", Fmt.MiB(baseline), "–");
            table.Add("resident, peak while accepting", Fmt.MiB(sampler.Peak), "–");
            table.Add("resident, 5 s after the last was accepted", Fmt.MiB(after), "–");
            table.Add("resident growth over idle", Fmt.MiB(after - baseline), Fmt.MiB((after - baseline) * perMillion));
            table.Add("store bytes added", Fmt.MiB(storeAfter - storeBefore), Fmt.MiB((storeAfter - storeBefore) * perMillion));
            report.Tables.Add(table);
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"Accepted in {took.TotalSeconds:0.0} s ({stored / took.TotalSeconds:#,0}/s, batches of 100, 8 in flight)."));
            report.Notes.Add("Resident memory is the sum over Herald's processes (VmRSS); the store is the SQLite file with its WAL, or pg_database_size.");
            report.Targets.Add(new TargetCheck("≤ 64 MiB resident per 1,000,000 queued (growth over idle)", Fmt.MiB((after - baseline) * perMillion), (after - baseline) * perMillion <= 64 * 1024 * 1024));
            report.Figures["baseline_rss_bytes"] = baseline;
            report.Figures["peak_rss_bytes"] = sampler.Peak;
            report.Figures["after_rss_bytes"] = after;
            report.Figures["store_bytes_per_million"] = (storeAfter - storeBefore) * perMillion;
            report.Figures["queued"] = stored;
            report.Elapsed = clock.Elapsed;
            reports.Add(report);
        }

        return reports;
    }
}
