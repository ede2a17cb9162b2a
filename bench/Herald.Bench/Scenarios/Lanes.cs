using System.Diagnostics;
using System.Globalization;
using Herald.Bench.Infrastructure;
using Herald.Bench.Load;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>
/// Urgent lanes that a campaign never slows: urgent notifications at a fixed rate, first on an idle Herald, then while
/// a 1,000,000-recipient low-priority campaign drains. Reports urgent end-to-end p50/p99 in both phases and the
/// campaign's drain rate alone and beside the urgent traffic. Both are in-app (the same channel, so only the priority
/// lanes keep them apart).
/// </summary>
internal sealed class Lanes : IScenario
{
    private const double UrgentRate = 100;
    private const int WarmupCampaign = 10_000;

    public string Name => "lanes";

    public string Description => "urgent end-to-end latency idle vs while a 1,000,000-recipient low-priority campaign drains";

    public async Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var reports = new List<ScenarioReport>();
        foreach (var (mode, nodes) in context.Options.Deployments())
        {
            reports.Add(await RunModeAsync(context, mode, nodes, ct));
        }

        return reports;
    }

    private static async Task<ScenarioReport> RunModeAsync(BenchContext context, Mode mode, int nodes, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var embedded = mode == Mode.Embedded;
        var report = new ScenarioReport("lanes", Deployment.Describe(mode, nodes));
        // With --pg-statements the services are started here with pg_stat_statements loaded; otherwise the deployment starts its own.
        await using var services = context.Options.PgStatements && !embedded
            ? await Services.StartAsync(context.Repository, context.Folder($"lanes-services-{mode}-{nodes}".ToLowerInvariant()), ct, statements: true)
            : null;
        await using var herald = await Deployment.StartAsync(mode, services, context.Repository, context.Folder($"lanes-{mode}-{nodes}".ToLowerInvariant()), null, context.Status, ct, nodes);
        await using var memory = new MemorySampler(herald);
        var recipients = context.Options.Scale(1_000_000);
        var window = TimeSpan.FromSeconds(context.Options.Quick ? 5 : 30);

        // Warm-up (JIT, pools, caches), not measured: a fresh process is not what an idle production server is. Both paths
        // measured below run first: a small campaign drained, then urgent sends in rounds of 5 s until the runtime stops
        // compiling (WarmUpAsync; a fixed 5 s left tiered compilation running through the idle phase, a third of Herald's
        // CPU there).
        _ = await Campaign.SendAsync(herald, "bench.lanes.warmup", WarmupCampaign, "low", null, context.Status, ct);
        await Drain.WaitAsync(herald.Probe, "bench.lanes.warmup", TimeSpan.FromSeconds(120), context.Status, ct);
        var warmup = await WarmUpAsync(context, herald, ct);
        _ = await herald.Probe.StatementsAsync(ct); // resets them
        var idleCpu = herald.Cpu();
        var idle = await UrgentAsync(context, herald, "bench.lanes.urgent.idle", TimeSpan.FromSeconds(context.Options.Quick ? 5 : 20), ct);
        idleCpu = herald.Cpu() - idleCpu;
        var idleStatements = await herald.Probe.StatementsAsync(ct);

        var ingest = await Campaign.SendAsync(herald, "bench.lanes.campaign", recipients, "low", null, context.Status, ct);
        _ = await herald.Probe.StatementsAsync(ct);
        var soloStart = DateTimeOffset.UtcNow;
        var soloCpu = herald.Cpu();
        context.Status($"campaign draining alone for {window.TotalSeconds:0} s");
        await Task.Delay(window, ct);
        var soloEnd = DateTimeOffset.UtcNow;
        var soloStatements = await herald.Probe.StatementsAsync(ct);
        var busyCpu = herald.Cpu();
        soloCpu = busyCpu - soloCpu;
        var busy = await UrgentAsync(context, herald, "bench.lanes.urgent.busy", window, ct);
        var busyEnd = DateTimeOffset.UtcNow;
        busyCpu = herald.Cpu() - busyCpu;
        var left = await herald.Probe.PendingAsync("bench.lanes.campaign", ct);

        var campaign = await herald.Probe.DeliveriesAsync("bench.lanes.campaign", ct);
        var solo = Rate(campaign.SentTimesMs, soloStart, soloEnd);
        var beside = Rate(campaign.SentTimesMs, soloEnd, busyEnd);
        var peak = memory.Peak;

        // CPU per delivered notification of each phase: everything delivered in its window (urgent and campaign alike).
        var table = new Table($"Urgent in-app at {UrgentRate:0}/s (end to end: accepted → feed item, ms), the campaign's drain (deliveries/s) and CPU µs per delivered notification: all (Herald / PostgreSQL / RabbitMQ)",
            ["phase", "urgent sent", "urgent e2e p50", "urgent e2e p99", "urgent e2e max", "campaign drain/s", "CPU µs/notification"]);
        table.Add("idle", Fmt.N(idle.Sent), Fmt.Ms(idle.P50), Fmt.Ms(idle.P99), Fmt.Ms(idle.Max), "–", Fmt.Cpu(idleCpu.PerItemMicroseconds(idle.Sent)));
        table.Add("campaign alone", "–", "–", "–", "–", Fmt.N(solo), Fmt.Cpu(soloCpu.PerItemMicroseconds(Count(campaign.SentTimesMs, soloStart, soloEnd))));
        table.Add("campaign + urgent", Fmt.N(busy.Sent), Fmt.Ms(busy.P50), Fmt.Ms(busy.P99), Fmt.Ms(busy.Max), Fmt.N(beside),
            Fmt.Cpu(busyCpu.PerItemMicroseconds(busy.Sent + Count(campaign.SentTimesMs, soloEnd, busyEnd))));
        report.Tables.Add(table);
        var stages = new Table("Where the urgent notifications' time went (ms, p50 / p99): accepted → planned (delivery row created), planned → claimed, claimed → sent",
            ["phase", "accepted → planned", "planned → claimed", "claimed → sent"]);
        stages.Add("idle", Throughput.Pair(idle.Stages.Plan), Throughput.Pair(idle.Stages.Claim), Throughput.Pair(idle.Stages.Send));
        stages.Add("campaign + urgent", Throughput.Pair(busy.Stages.Plan), Throughput.Pair(busy.Stages.Claim), Throughput.Pair(busy.Stages.Send));
        report.Tables.Add(stages);
        if (idleStatements is not null && soloStatements is not null)
        {
            var statements = new Table("PostgreSQL's statements per delivered notification (pg_stat_statements): calls, µs of execution and planning, plans per call, µs of planning",
                ["phase", "statement", "calls", "µs", "plans/call", "planning µs"]);
            foreach (var (phase, list, delivered) in new[] { ("idle", idleStatements, idle.Sent), ("campaign alone", soloStatements, Count(campaign.SentTimesMs, soloStart, soloEnd)) })
            {
                foreach (var (text, calls, micros, plans, planning) in Throughput.TopStatements(list, Math.Max(delivered, 1)))
                {
                    statements.Add(phase, text, calls.ToString("0.00", CultureInfo.InvariantCulture), micros.ToString("0.0", CultureInfo.InvariantCulture),
                        plans.ToString("0.00", CultureInfo.InvariantCulture), planning.ToString("0.0", CultureInfo.InvariantCulture));
                }
            }

            report.Tables.Add(statements);
        }

        report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Campaign of {recipients:#,0} low-priority in-app notifications accepted in {ingest.TotalSeconds:0.0} s ({recipients / ingest.TotalSeconds:#,0}/s, batches of 100, 8 in flight); {left:#,0} still queued when the measurement ended ({campaign.Sent:#,0} delivered)."));
        report.Notes.Add($"Warm-up: {WarmupCampaign:#,0} low-priority notifications drained, then {warmup.Count} rounds of 5 s of urgent sends until the runtime compiled for under 0.1 s of one (compile seconds / Herald's CPU µs per notification: {string.Join(", ", warmup.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Jit:0.00} / {Fmt.N(w.Cpu)}")))}).");
        report.Notes.Add($"Peak resident memory of Herald during the scenario: {Fmt.MiB(peak)}.");
        if (left == 0)
        {
            report.Notes.Add("The campaign finished before the measurement ended, so the drain rates understate its speed.");
        }

        var p99Target = embedded ? 50.0 : 100.0;
        report.Targets.Add(new TargetCheck($"urgent p99 ≤ {p99Target:0} ms while the campaign drains", Fmt.Ms(busy.P99) + " ms", busy.P99 <= p99Target));
        report.Targets.Add(new TargetCheck("urgent p99 ≤ 2× idle", $"{Fmt.Ms(busy.P99)} vs {Fmt.Ms(idle.P99)} ms idle", busy.P99 <= 2 * idle.P99));
        report.Targets.Add(new TargetCheck("campaign drains at ≥ 70 % of its solo speed beside urgent traffic", Fmt.Pct(beside / solo), beside >= 0.7 * solo));
        report.Figures["urgent_idle_p99_ms"] = idle.P99;
        report.Figures["urgent_busy_p99_ms"] = busy.P99;
        report.Figures["campaign_solo_per_s"] = solo;
        report.Figures["campaign_beside_urgent_per_s"] = beside;
        report.Figures["campaign_ingest_per_s"] = recipients / ingest.TotalSeconds;
        report.Figures["peak_rss_bytes"] = peak;
        report.Figures["cpu_us_per_delivered_idle"] = idleCpu.PerItemMicroseconds(idle.Sent).All;
        report.Figures["cpu_us_per_delivered_campaign_alone"] = soloCpu.PerItemMicroseconds(Count(campaign.SentTimesMs, soloStart, soloEnd)).All;
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>
    /// Urgent sends in rounds of 5 s until the runtime compiled for less than 2 % of a round (at most 12 rounds): .NET's
    /// tiered compilation goes on promoting hot methods for a minute or more after start on this box, and a process that
    /// still compiles is not the steady state an idle production server is in. Returns each round's compile seconds
    /// and Herald's CPU µs per notification, for the report.
    /// </summary>
    private static async Task<List<(double Jit, double Cpu)>> WarmUpAsync(BenchContext context, Deployment herald, CancellationToken ct)
    {
        var rounds = new List<(double Jit, double Cpu)>();
        for (var round = 0; round < 12; round++)
        {
            var cpu = herald.Cpu();
            var jit = await herald.JitSecondsAsync(ct);
            var sent = await UrgentAsync(context, herald, $"bench.lanes.urgent.warmup{round}", TimeSpan.FromSeconds(5), ct);
            rounds.Add((await herald.JitSecondsAsync(ct) - jit, (herald.Cpu() - cpu).PerItemMicroseconds(sent.Sent).Herald));
            context.Status(string.Create(CultureInfo.InvariantCulture, $"warm-up round {round + 1}: {rounds[^1].Jit:0.00} s compiling, Herald {rounds[^1].Cpu:#,0} µs per notification"));
            if (!(rounds[^1].Jit >= 0.1))
            {
                break;
            }
        }

        return rounds;
    }

    private sealed record Urgent(long Sent, double P50, double P99, double Max, (double[] Plan, double[] Claim, double[] Send) Stages);

    private static async Task<Urgent> UrgentAsync(BenchContext context, Deployment herald, string eventType, TimeSpan duration, CancellationToken ct)
    {
        context.Status($"urgent at {UrgentRate:0}/s for {duration.TotalSeconds:0} s ({eventType})");
        var load = await OpenLoop.RunAsync(_ => herald.Client, n => Requests.Single(eventType, "v" + (n % 1_000).ToString(CultureInfo.InvariantCulture), n, "urgent"),
            UrgentRate, duration, maxInFlight: 1_000, keepBodies: false, null, ct);
        if (load.Accepted != load.Offered)
        {
            throw new InvalidOperationException($"{eventType}: only {load.Accepted} of {load.Offered} urgent sends were accepted");
        }

        await Drain.WaitAsync(herald.Probe, eventType, TimeSpan.FromSeconds(60), context.Status, ct);
        var sample = await herald.Probe.DeliveriesAsync(eventType, ct);
        var (p50, p99, _) = Percentiles.Summary(sample.LatenciesMs);
        return new Urgent(sample.Sent, p50, p99, sample.LatenciesMs.DefaultIfEmpty(double.NaN).Max(), sample.Stages);
    }

    /// <summary>Deliveries per second whose send time falls in [from, to).</summary>
    internal static double Rate(long[] sentTimesMs, DateTimeOffset from, DateTimeOffset to) =>
        Count(sentTimesMs, from, to) / Math.Max((to.ToUnixTimeMilliseconds() - from.ToUnixTimeMilliseconds()) / 1000.0, 1e-9);

    /// <summary>Deliveries whose send time falls in [from, to).</summary>
    internal static long Count(long[] sentTimesMs, DateTimeOffset from, DateTimeOffset to)
    {
        var a = from.ToUnixTimeMilliseconds();
        var b = to.ToUnixTimeMilliseconds();
        return sentTimesMs.LongCount(t => t >= a && t < b);
    }
}
