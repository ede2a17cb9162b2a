using System.Diagnostics;
using System.Globalization;
using Herald.Bench.Infrastructure;
using Herald.Bench.Load;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>
/// Load above capacity: batches of 100 offered open-loop well beyond what the store commits. Herald must refuse the
/// excess with 429/503 and Retry-After, keep its memory bounded, and lose nothing it accepted: afterwards the store holds
/// exactly 100 notifications per accepted batch, and every one of them is delivered.
/// </summary>
internal sealed class Overload : IScenario
{
    public string Name => "overload";

    public string Description => "load above capacity: 429/503 with Retry-After, bounded memory, nothing accepted lost";

    public async Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var reports = new List<ScenarioReport>();
        foreach (var (mode, nodes) in context.Options.Deployments())
        {
            var clock = Stopwatch.StartNew();
            var embedded = mode == Mode.Embedded;
            var report = new ScenarioReport("overload", Deployment.Describe(mode, nodes));
            await using var herald = await Deployment.StartAsync(mode, null, context.Repository, context.Folder($"overload-{mode}-{nodes}".ToLowerInvariant()), null, context.Status, ct, nodes);
            await using var memory = new MemorySampler(herald);
            const string eventType = "bench.overload";
            var offered = embedded ? 100_000 : 50_000; // notifications/s, several times what either mode commits
            var duration = TimeSpan.FromSeconds(context.Options.Quick ? 5 : 20);
            var cpu = herald.Cpu();
            var load = await OpenLoop.RunAsync(_ => herald.Client, n => Requests.Batch(eventType, "o", n % 100 * Requests.BatchSize, n),
                offered / (double)Requests.BatchSize, duration, maxInFlight: 20_000, keepBodies: false,
                r => context.Status($"overload: {r.Accepted:#,0} batches accepted, {r.Throttled + r.Unavailable:#,0} refused"), ct);
            var loadPeak = memory.Peak;
            var accepted = load.Accepted * Requests.BatchSize;
            var drainTimeout = TimeSpan.FromSeconds(context.Options.Quick ? 60 : 360);
            var drained = await Drain.WaitAsync(herald.Probe, eventType, drainTimeout, context.Status, ct);
            cpu = herald.Cpu() - cpu;
            var stored = await herald.Probe.NotificationsAsync(eventType, ct);
            var delivered = (await herald.Probe.DeliveriesAsync(eventType, ct)).Sent;
            var (p50, p99, p999) = Percentiles.Summary(load.AcceptLatencyMs);

            var table = new Table(string.Create(CultureInfo.InvariantCulture, $"{offered:#,0} notifications/s offered for {duration.TotalSeconds:0} s (batches of 100, open loop)"),
                ["measure", "value"]);
            table.Add("requests offered", Fmt.N(load.Offered));
            table.Add("202 accepted", $"{Fmt.N(load.Accepted)} ({Fmt.N(accepted)} notifications, {Fmt.N(load.AcceptedPerSecond * Requests.BatchSize)}/s)");
            table.Add("429 / 503", $"{Fmt.N(load.Throttled)} / {Fmt.N(load.Unavailable)}");
            table.Add("refusals without Retry-After", Fmt.N(load.WithoutRetryAfter));
            table.Add("errors / not sent by the client", $"{Fmt.N(load.Failed)} / {Fmt.N(load.Skipped)}");
            table.Add("accept latency p50 / p99 / p99.9 (ms)", $"{Fmt.Ms(p50)} / {Fmt.Ms(p99)} / {Fmt.Ms(p999)}");
            table.Add("peak resident memory under load", Fmt.MiB(loadPeak));
            table.Add("notifications in the store", Fmt.N(stored));
            table.Add("delivered afterwards", $"{Fmt.N(delivered)}{(drained ? "" : $" (not drained within {drainTimeout.TotalSeconds:0} s)")}");
            // Load and drain together: the refused requests' cost is part of what each delivered notification took.
            var perDelivered = cpu.PerItemMicroseconds(delivered);
            table.Add("CPU µs per delivered notification, load and drain: all (Herald / PostgreSQL / RabbitMQ)", Fmt.Cpu(perDelivered));
            table.Add("load generator CPU µs per delivered notification", Fmt.N(perDelivered.LoadGenerator));
            report.Figures["cpu_us_per_delivered"] = perDelivered.All;
            report.Tables.Add(table);
            report.Targets.Add(new TargetCheck("excess refused with 429/503", Fmt.N(load.Throttled + load.Unavailable), load.Throttled + load.Unavailable > 0));
            report.Targets.Add(new TargetCheck("every refusal carries Retry-After", $"{Fmt.N(load.WithoutRetryAfter)} without", load.WithoutRetryAfter == 0));
            report.Targets.Add(new TargetCheck("nothing accepted lost, nothing refused stored", $"{Fmt.N(stored)} stored for {Fmt.N(accepted)} accepted", stored == accepted));
            report.Targets.Add(new TargetCheck("every accepted notification delivered", $"{Fmt.N(delivered)} of {Fmt.N(accepted)}", delivered == accepted));
            report.Targets.Add(new TargetCheck("no errors other than 429/503", Fmt.N(load.Failed), load.Failed == 0));
            report.Figures["accepted"] = accepted;
            report.Figures["refused"] = load.Throttled + load.Unavailable;
            report.Figures["stored"] = stored;
            report.Figures["delivered"] = delivered;
            report.Figures["peak_rss_bytes"] = loadPeak;
            report.Elapsed = clock.Elapsed;
            reports.Add(report);
        }

        return reports;
    }
}
