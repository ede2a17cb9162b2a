using System.Diagnostics;
using System.Globalization;
using Herald.Bench.Ceiling;
using Herald.Bench.Infrastructure;
using Herald.Bench.Load;
using Herald.Bench.Reporting;

namespace Herald.Bench.Scenarios;

/// <summary>
/// Open-loop load at increasing fixed rates, single sends and batches of 100, embedded and distributed (with each
/// <c>--nodes</c> count): accepted/s and delivered/s end to end (202 to feed item), API accept latency per rate, the
/// highest rate sustained with p99 under 25 ms, and the CPU every process involved spent per delivered notification.
/// A webhook ladder sends batches whose recipients each have an endpoint at a loopback receiver that verifies every
/// signature. The ceiling is measured in the same run, so Herald's figure is also a share of what the machine allows.
/// </summary>
internal sealed class Throughput : IScenario
{
    public string Name => "throughput";

    public string Description => "open-loop load at rising rates: single sends, batches of 100, webhooks to a loopback receiver; CPU per notification; ceiling in the same run";

    private const string Webhook = "webhook";

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(45);

    public async Task<IReadOnlyList<ScenarioReport>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var distributed = context.Options.Modes.Any(m => m != Mode.Embedded);
        Services? services = null;
        try
        {
            if (distributed)
            {
                context.Status("starting PostgreSQL and RabbitMQ (scripts/lib/services.sh)");
                services = await Services.StartAsync(context.Repository, context.Folder("services"), ct, context.Options.PgStatements);
            }

            var ceiling = await CeilingProbe.MeasureAsync(new CeilingTargets(context.Folder("ceiling"), services?.Postgres, services?.RabbitMq,
                context.Options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3)), context.Status, ct);
            await using var receiver = await WebhookReceiver.StartAsync(ct);
            var reports = new List<ScenarioReport>();
            foreach (var (mode, nodes) in context.Options.Deployments())
            {
                reports.Add(await RunModeAsync(context, mode, nodes, services, ceiling, receiver, ct));
            }

            return reports;
        }
        finally
        {
            if (services is not null)
            {
                await services.DisposeAsync();
            }
        }
    }

    private static async Task<ScenarioReport> RunModeAsync(BenchContext context, Mode mode, int nodes, Services? services, CeilingResult ceiling, WebhookReceiver receiver,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var report = new ScenarioReport("throughput", Deployment.Describe(mode, nodes));
        var folder = $"throughput-{mode}-{nodes}".ToLowerInvariant();
        await using var herald = await Deployment.StartAsync(mode, services, context.Repository, context.Folder(folder), null, context.Status, ct, nodes);
        await WebhookRecipients.RegisterAsync(herald, receiver, folder, context.Status, ct);
        var step = TimeSpan.FromSeconds(context.Options.Quick ? 3 : 10);
        var table = new Table($"Open-loop steps of {step.TotalSeconds:0} s (rate = notifications/s offered; latencies in ms; CPU µs per delivered notification, all processes)",
            ["kind", "rate", "accepted/s", "delivered/s", "non-202", "accept p50", "p99", "p99.9", "e2e p50", "e2e p99", "drain after step", "server CPU (cores)", "CPU µs/notification"]);
        report.Tables.Add(table);
        var stages = new Table("Where the end-to-end time goes (ms, p50 / p99): accepted → planned (delivery written) → claimed by a lane → sent",
            ["kind", "rate", "accepted → planned", "planned → claimed", "claimed → sent"]);
        report.Tables.Add(stages);
        var cpuTable = new Table("CPU time per delivered notification (µs), from the step's start until its work drained; \"all\" = Herald + PostgreSQL + RabbitMQ, without the load generator",
            ["kind", "rate", "delivered", "all", "Herald", "PostgreSQL", "RabbitMQ", "load generator"]);
        report.Tables.Add(cpuTable);
        var writer = new Table("The single SQLite writer (embedded), from the step's start until its work drained: busy share of that time (work, commit and fsync under the write lock), the commits' share of the busy time, write transactions/s, and busy µs per delivered notification",
            ["kind", "rate", "writer busy", "of it committing", "transactions/s", "busy µs/notification", "top operations (busy µs/notification)"]);
        var statements = new Table("PostgreSQL statements (--pg-statements), from the step's start until its work drained: the twelve with the most execution plus planning time, per delivered notification (all statements of the step in the first row)",
            ["kind", "rate", "statement", "calls/notification", "µs/notification", "plans/call", "planning µs/notification"]);
        var webhooks = new Table("Webhook receiver (loopback, in the load generator's process; Standard Webhooks signatures checked with each endpoint's secret)",
            ["rate", "POSTs received", "bad signatures", "duplicate webhook-id"]);

        var steps = new List<Step>();
        foreach (var (kind, rates) in Ladders(mode).Where(l => context.Options.Kinds?.Contains(l.Kind) ?? true))
        {
            foreach (var rate in rates)
            {
                var before = receiver.Counts;
                var result = await StepAsync(context, herald, kind, rate, step, ct);
                steps.Add(result);
                table.Add(kind, Fmt.N(rate), Fmt.N(result.AcceptedPerSecond), Fmt.N(result.DeliveredPerSecond), Fmt.N(result.NotAccepted),
                    Fmt.Ms(result.Accept.P50), Fmt.Ms(result.Accept.P99), Fmt.Ms(result.Accept.P999), Fmt.Ms(result.EndToEnd.P50), Fmt.Ms(result.EndToEnd.P99),
                    result.Drained ? $"{result.DrainSeconds:0.0} s" : $"not within {DrainTimeout.TotalSeconds:0} s", result.Cores.ToString("0.00", CultureInfo.InvariantCulture),
                    Fmt.N(result.CpuPerDelivered.All));
                stages.Add(kind, Fmt.N(rate), Pair(result.Stages.Plan), Pair(result.Stages.Claim), Pair(result.Stages.Send));
                if (result.Writer is { } w)
                {
                    writer.Add(kind, Fmt.N(rate), w.Share.ToString("0%", CultureInfo.InvariantCulture), w.CommitShare.ToString("0%", CultureInfo.InvariantCulture), Fmt.N(w.TransactionsPerSecond), Fmt.N(w.BusyMicrosPerDelivered), w.Top);
                }

                foreach (var (text, calls, micros, plans, planning) in result.Statements)
                {
                    statements.Add(kind, Fmt.N(rate), text, calls.ToString("0.00", CultureInfo.InvariantCulture), micros.ToString("0.0", CultureInfo.InvariantCulture),
                        plans.ToString("0.00", CultureInfo.InvariantCulture), planning.ToString("0.0", CultureInfo.InvariantCulture));
                }

                cpuTable.Add(kind, Fmt.N(rate), Fmt.N(result.Delivered), Fmt.N(result.CpuPerDelivered.All), Fmt.N(result.CpuPerDelivered.Herald),
                    Fmt.N(result.CpuPerDelivered.Postgres), Fmt.N(result.CpuPerDelivered.RabbitMq), Fmt.N(result.CpuPerDelivered.LoadGenerator));
                if (kind == Webhook)
                {
                    var seen = receiver.Counts - before;
                    webhooks.Add(Fmt.N(rate), Fmt.N(seen.Received), Fmt.N(seen.BadSignatures), Fmt.N(seen.Duplicates));
                    report.Figures["webhook.bad_signatures"] = report.Figures.GetValueOrDefault("webhook.bad_signatures") + seen.BadSignatures;
                    report.Figures["webhook.received"] = report.Figures.GetValueOrDefault("webhook.received") + seen.Received;
                }

                if (!result.Sustained)
                {
                    break; // Above capacity: the next rate would only queue more.
                }
            }
        }

        if (writer.Rows.Count > 0)
        {
            report.Tables.Add(writer);
        }

        if (statements.Rows.Count > 0)
        {
            report.Tables.Add(statements);
        }

        report.Tables.Add(webhooks);
        Summarize(report, mode, steps, ceiling);
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>Offered notifications/s per kind. Batches (webhook included) send rate/100 requests per second.</summary>
    private static IEnumerable<(string Kind, int[] Rates)> Ladders(Mode mode) => mode == Mode.Embedded
        ? [("single", [500, 1_000, 2_000, 4_000, 8_000]), ("batch-100", [2_000, 5_000, 10_000, 20_000, 40_000]), (Webhook, [1_000, 2_000, 4_000, 8_000])]
        : [("single", [250, 500, 1_000, 2_000, 4_000]), ("batch-100", [1_000, 2_000, 5_000, 10_000, 20_000]), (Webhook, [500, 1_000, 2_000, 4_000, 8_000])];

    private sealed record Step(string Kind, int Rate, double AcceptedPerSecond, double DeliveredPerSecond, long NotAccepted,
        (double P50, double P99, double P999) Accept, (double P50, double P99, double P999) EndToEnd, bool Drained, double DrainSeconds, double Cores,
        (double[] Plan, double[] Claim, double[] Send) Stages, long Delivered, CpuSample CpuPerDelivered, WriterLoad? Writer = null)
    {
        /// <summary>With <c>--pg-statements</c>: the step's costliest statements, per delivered notification.</summary>
        public IReadOnlyList<(string Text, double Calls, double Micros, double PlansPerCall, double PlanMicros)> Statements { get; init; } = [];

        /// <summary>Everything offered was accepted, and delivery kept pace (drained within 2 s of the step's end).</summary>
        public bool Sustained => NotAccepted == 0 && AcceptedPerSecond >= Rate * 0.98 && Drained && DrainSeconds <= 2;
    }

    private static async Task<Step> StepAsync(BenchContext context, Deployment herald, string kind, int rate, TimeSpan duration, CancellationToken ct)
    {
        var eventType = string.Create(CultureInfo.InvariantCulture, $"bench.tp.{kind}.{rate}");
        var batch = kind != "single";
        var requestRate = batch ? rate / (double)Requests.BatchSize : rate;
        context.Status($"{herald.Description}: {kind} at {rate:#,0}/s");
        var startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Scraped before the CPU window opens, so the scrape is not counted as the step's work.
        var writerBefore = await herald.WriterAsync(ct);
        _ = await herald.Probe.StatementsAsync(ct); // resets them
        var cpu = herald.CpuTime;
        var cpuAll = herald.Cpu();
        var wall = Stopwatch.StartNew();
        var load = await OpenLoop.RunAsync(_ => herald.Client, n => kind switch
            {
                Webhook => Requests.Batch(eventType, WebhookRecipients.Prefix, n % (WebhookRecipients.Count / Requests.BatchSize) * Requests.BatchSize, n,
                    template: Deployment.WebhookTemplate),
                "single" => Requests.Single(eventType, "u" + (n % 10_000).ToString(CultureInfo.InvariantCulture), n),
                _ => Requests.Batch(eventType, "u", n % 100 * Requests.BatchSize, n),
            },
            requestRate, duration, maxInFlight: 4_096, keepBodies: false,
            r => context.Status($"{herald.Description}: {kind} at {rate:#,0}/s: {r.Accepted * (batch ? Requests.BatchSize : 1):#,0} accepted"), ct);
        var endMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var drained = await Drain.WaitAsync(herald.Probe, eventType, DrainTimeout, context.Status, ct);
        var cores = (herald.CpuTime - cpu).TotalSeconds / wall.Elapsed.TotalSeconds;
        var used = herald.Cpu() - cpuAll;
        var sample = await herald.Probe.DeliveriesAsync(eventType, ct);
        var writerAfter = await herald.WriterAsync(ct);
        var pg = await herald.Probe.StatementsAsync(ct);
        var period = wall.Elapsed.TotalSeconds;
        WriterLoad? writer = writerBefore is { } wb && writerAfter is { } wa && period > 0
            ? new WriterLoad((wa.Busy - wb.Busy) / period, wa.Busy > wb.Busy ? (wa.Committing - wb.Committing) / (wa.Busy - wb.Busy) : 0, (wa.Transactions - wb.Transactions) / period, sample.Sent == 0 ? 0 : (wa.Busy - wb.Busy) * 1e6 / sample.Sent,
                string.Join(", ", wa.Operations.Select(o => (o.Key, Micros: sample.Sent == 0 ? 0 : (o.Value - wb.Operations.GetValueOrDefault(o.Key)) * 1e6 / sample.Sent))
                    .Where(o => o.Micros >= 1).OrderByDescending(o => o.Micros).Take(5).Select(o => $"{o.Key} {o.Micros:0}")))
            : null;
        var multiplier = batch ? Requests.BatchSize : 1;
        var deliveredSeconds = Math.Max((sample.LastSent - startMs) / 1000.0, duration.TotalSeconds);
        return new Step(kind, rate, load.AcceptedPerSecond * multiplier, sample.Sent / deliveredSeconds,
            load.Offered - load.Accepted, Percentiles.Summary(load.AcceptLatencyMs), Percentiles.Summary(sample.LatenciesMs),
            drained, Math.Max(0, (sample.LastSent - endMs) / 1000.0), cores, sample.Stages, sample.Sent, used.PerItemMicroseconds(sample.Sent), writer)
        {
            Statements = pg is null || sample.Sent == 0 ? [] : TopStatements(pg, sample.Sent),
        };
    }

    /// <summary>All statements together, then the twelve costliest, per delivered notification; texts shortened to one line.</summary>
    internal static List<(string Text, double Calls, double Micros, double PlansPerCall, double PlanMicros)> TopStatements(IReadOnlyList<StatementTime> all, long delivered)
    {
        static double PerCall(long plans, long calls) => calls == 0 ? 0 : plans / (double)calls;
        var rows = new List<(string, double, double, double, double)>
        {
            ("(all)", all.Sum(s => s.Calls) / (double)delivered, all.Sum(s => s.Milliseconds) * 1_000 / delivered, PerCall(all.Sum(s => s.Plans), all.Sum(s => s.Calls)),
                all.Sum(s => s.PlanMilliseconds) * 1_000 / delivered),
        };
        foreach (var s in all.OrderByDescending(s => s.Milliseconds).Take(12))
        {
            var text = string.Join(' ', s.Query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries)).Replace("|", "\\|", StringComparison.Ordinal);
            if (text.Length > 140 && text.StartsWith("SELECT ", StringComparison.Ordinal) && text.IndexOf(" FROM ", StringComparison.Ordinal) is > 60 and var from)
            {
                text = "SELECT …" + text[from..]; // a long column list says less than the table and the condition
            }

            rows.Add((text.Length > 140 ? text[..140] + "…" : text, s.Calls / (double)delivered, s.Milliseconds * 1_000 / delivered, PerCall(s.Plans, s.Calls), s.PlanMilliseconds * 1_000 / delivered));
        }

        return rows;
    }

    /// <summary>The SQLite writer over a step: busy share, transactions per second, busy time per delivered notification.</summary>
    private sealed record WriterLoad(double Share, double CommitShare, double TransactionsPerSecond, double BusyMicrosPerDelivered, string Top);

    /// <summary>CPU per delivered notification at the step that delivered the most, against issue 14's 300 µs.</summary>
    private static void SummarizeCpu(ScenarioReport report, List<Step> inApp)
    {
        var top = inApp.Where(s => s.Delivered > 0).MaxBy(s => s.DeliveredPerSecond);
        if (top is null)
        {
            return;
        }

        var cpu = top.CpuPerDelivered;
        report.Figures["cpu_us_per_delivered"] = cpu.All;
        report.Figures["cpu_us_per_delivered.herald"] = cpu.Herald;
        report.Figures["cpu_us_per_delivered.postgres"] = cpu.Postgres;
        report.Figures["cpu_us_per_delivered.rabbitmq"] = cpu.RabbitMq;
        report.Figures["cpu_us_per_delivered.load_generator"] = cpu.LoadGenerator;
        report.Targets.Add(new TargetCheck("≤ 300 µs CPU per delivered notification, all processes (issue 14), at the best step",
            $"{Fmt.N(cpu.All)} µs ({top.Kind} at {Fmt.N(top.Rate)}/s)", cpu.All <= 300));
    }

    private static void SummarizeWebhooks(ScenarioReport report, bool embedded, List<Step> webhook)
    {
        if (webhook.Count == 0)
        {
            return;
        }

        var best = webhook.Max(s => s.DeliveredPerSecond);
        var top = webhook.MaxBy(s => s.DeliveredPerSecond)!;
        report.Figures["webhook.delivered_per_s_max"] = best;
        report.Figures["webhook.cpu_us_per_delivered"] = top.CpuPerDelivered.All;
        report.Notes.Add($"{Webhook}: up to {Fmt.N(best)} webhook deliveries/s (POSTed, signed, answered 204), {Fmt.N(top.CpuPerDelivered.All)} CPU µs each at that step. "
            + "The receiver runs in the load generator's process, so its CPU is in that column, not in \"all\".");
        var bad = report.Figures.GetValueOrDefault("webhook.bad_signatures");
        report.Targets.Add(new TargetCheck("every webhook POST carries a valid Standard Webhooks signature",
            $"{Fmt.N(bad)} bad of {Fmt.N(report.Figures.GetValueOrDefault("webhook.received"))} received", bad == 0));
        if (!embedded)
        {
            report.Targets.Add(new TargetCheck("≥ 4,000 webhook deliveries/s to a loopback receiver (issue 14)", Fmt.N(best) + "/s", best >= 4_000));
        }
    }

    internal static string Pair(double[] values)
    {
        var (p50, p99, _) = Percentiles.Summary(values);
        return $"{Fmt.Ms(p50)} / {Fmt.Ms(p99)}";
    }

    private static void Summarize(ScenarioReport report, Mode mode, List<Step> steps, CeilingResult ceiling)
    {
        var embedded = mode == Mode.Embedded;
        // The in-app kinds are what the ceiling models; the webhook ladder is summarized on its own below.
        var inApp = steps.Where(s => s.Kind != Webhook).ToList();
        var best = inApp.Count == 0 ? 0 : inApp.Max(s => s.DeliveredPerSecond);
        var ceilingRate = mode switch
        {
            Mode.Embedded => ceiling.EmbeddedPerSecond,
            Mode.Distributed => ceiling.DistributedPerSecond ?? double.NaN,
            _ => ceiling.PostgresPerSecond ?? double.NaN,
        };
        var share = best / ceilingRate;
        report.Figures["delivered_per_s_max"] = best;
        report.Figures["ceiling_per_s"] = ceilingRate;
        report.Figures["share_of_ceiling"] = share;
        var ceilingTable = new Table("Ceiling measured in the same run", ["step", "per second", "µs per item", "detail"]);
        foreach (var c in ceiling.Steps)
        {
            ceilingTable.Add(c.Name, $"{Fmt.N(c.PerSecond)} {c.Unit}", Fmt.Ms(c.MicrosecondsPerItem), c.Detail);
        }

        ceilingTable.Add("**per-notification ceiling**", Fmt.N(ceilingRate) + " notifications", Fmt.Ms(1e6 / ceilingRate), ceiling.Model);
        report.Tables.Add(ceilingTable);

        foreach (var kind in steps.Select(s => s.Kind).Distinct())
        {
            var ofKind = steps.Where(s => s.Kind == kind).ToList();
            var sustained = ofKind.Where(s => s.Sustained && s.Accept.P99 <= 25).Select(s => s.Rate).DefaultIfEmpty(0).Max();
            report.Figures[$"{kind}.sustained_p99_under_25ms"] = sustained;
            report.Notes.Add($"{kind}: highest rate sustained with accept p99 ≤ 25 ms: {(sustained == 0 ? "none of the rates tried" : Fmt.N(sustained) + " notifications/s")}.");
        }

        var target = embedded ? 10_000 : 5_000;
        var shareTarget = embedded ? 0.60 : 0.50;
        report.Targets.Add(new TargetCheck($"≥ {target:#,0} notifications/s end to end", Fmt.N(best) + "/s", best >= target));
        report.Targets.Add(new TargetCheck($"≥ {shareTarget:P0} of the same-run ceiling", $"{Fmt.Pct(share)} of {Fmt.N(ceilingRate)}/s", share >= shareTarget));

        // API p99 at half of the maximum load: the step (any in-app kind) whose offered rate is nearest half of the best delivered rate.
        var half = best / 2;
        var nearest = inApp.Where(s => s.NotAccepted == 0).OrderBy(s => Math.Abs(s.Rate - half)).FirstOrDefault();
        var p99Target = embedded ? 5.0 : 10.0;
        report.Targets.Add(new TargetCheck($"API p99 ≤ {p99Target:0} ms at half of max load",
            nearest is null ? "no step" : $"{Fmt.Ms(nearest.Accept.P99)} ms ({nearest.Kind} at {Fmt.N(nearest.Rate)}/s)", nearest is not null && nearest.Accept.P99 <= p99Target));
        SummarizeCpu(report, inApp);
        SummarizeWebhooks(report, embedded, steps.Where(s => s.Kind == Webhook).ToList());
        report.Notes.Add("Server CPU is the CPU time Herald's processes used from the start of a step until its work drained, over that wall time (2 cores = 2.00).");
        report.Notes.Add("CPU µs per notification is the CPU time of every process doing Herald's work (Herald's; distributed also PostgreSQL's postmaster with all its backends, "
            + "exited ones included, and RabbitMQ's beam.smp with its children) over the same window, divided by the deliveries of the step; the load generator is shown apart.");
        report.Notes.Add("The load generator runs on the same 2 cores as Herald (and, distributed, PostgreSQL and RabbitMQ); its CPU is part of every figure.");
    }
}

/// <summary>Waiting for one event type's work to finish, polling the store.</summary>
internal static class Drain
{
    public static async Task<bool> WaitAsync(StoreProbe probe, string eventType, TimeSpan timeout, Action<string> status, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var pending = await probe.PendingAsync(eventType, ct);
            if (pending == 0)
            {
                return true;
            }

            status($"draining {eventType}: {pending:#,0} left");
            // Each poll reads every unfinished row, inside the measured CPU window: with a large backlog (which takes at
            // least pending / 10,000 s to drain) poll less often, up to 1 s; from 2,500 left on, every 250 ms as before.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(pending / 10.0, 250, 1_000)), ct);
        }

        return false;
    }
}
