using System.Diagnostics;

namespace Herald.Bench.Ceiling;

internal sealed record CeilingTargets(string WorkDirectory, string? PostgresConnectionString, Uri? RabbitMqUri, TimeSpan StepDuration);

internal sealed record CeilingStep(string Name, string Unit, double PerSecond, double MicrosecondsPerItem, string Detail);

internal sealed record CeilingResult(IReadOnlyList<CeilingStep> Steps, double EmbeddedPerSecond, double? DistributedPerSecond, string Model)
{
    /// <summary>PostgreSQL alone (no broker): the distributed ceiling without the RabbitMQ round.</summary>
    public double? PostgresPerSecond { get; init; }
}

/// <summary>
/// Measures the raw cost of the steps Herald's pipeline cannot avoid (an API POST, durable row writes, a broker round,
/// a provider POST) on the same machine, so Herald's own figure can be reported as a share of this ceiling.
/// </summary>
internal static class CeilingProbe
{
    public const string SqliteInsert = "sqlite-insert-100";
    public const string PostgresInsert = "postgres-insert-100";
    public const string RabbitMqRound = "rabbitmq-round";
    public const string KestrelPost = "kestrel-json-post";
    public const string KestrelPost100 = "kestrel-json-post-100";
    public const string ProviderPost = "provider-post";

    private static readonly string Model =
        "Per notification Herald pays 1/100 of a batched API POST (kestrel-json-post-100), three durable row writes "
        + "(accepted, planned, completed) and, with RabbitMQ, one RabbitMQ round; all steps share the same "
        + $"{Environment.ProcessorCount} cores, so their per-item times add: ceiling = 1 / (t_post100/100 + 3·t_row [+ t_round]).";

    public static async Task<CeilingResult> MeasureAsync(CeilingTargets targets, Action<string> status, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(status);
        var duration = targets.StepDuration;
        var steps = new List<CeilingStep>();
        status("sqlite batched insert ...");
        steps.Add(await SqliteInsertStep.MeasureAsync(targets.WorkDirectory, duration, ct));
        if (targets.PostgresConnectionString is { } postgres)
        {
            status("postgres batched insert ...");
            steps.Add(await PostgresInsertStep.MeasureAsync(postgres, duration, ct));
        }

        if (targets.RabbitMqUri is { } rabbitMq)
        {
            status("rabbitmq quorum round ...");
            steps.Add(await RabbitMqRoundStep.MeasureAsync(rabbitMq, duration, ct));
        }

        steps.AddRange(await KestrelSteps.MeasureAsync(duration, status, ct));
        var (embedded, distributed, alone) = Combine(steps);
        return new CeilingResult(steps, embedded, distributed, Model) { PostgresPerSecond = alone };
    }

    /// <summary>
    /// Per-notification ceilings: 1 / (t_post100/100 + 3·t_row [+ t_round]) with t = 1 / a step's rate; SQLite rows
    /// embedded, PostgreSQL rows with the round distributed, PostgreSQL rows without it for PostgreSQL alone.
    /// </summary>
    public static (double Embedded, double? Distributed, double? Postgres) Combine(IReadOnlyList<CeilingStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        double? Seconds(string name) => steps.FirstOrDefault(s => s.Name == name) is { PerSecond: > 0 } s ? 1 / s.PerSecond : null;
        double Required(string name) => Seconds(name) ?? throw new ArgumentException($"the ceiling needs a measured '{name}' step", nameof(steps));

        var post = Required(KestrelPost100) / 100;
        var embedded = 1 / (post + (3 * Required(SqliteInsert)));
        double? distributed = Seconds(PostgresInsert) is { } row && Seconds(RabbitMqRound) is { } round ? 1 / (post + (3 * row) + round) : null;
        double? postgres = Seconds(PostgresInsert) is { } pgRow ? 1 / (post + (3 * pgRow)) : null;
        return (embedded, distributed, postgres);
    }

    internal static CeilingStep Step(string name, string unit, double perSecond, string detail) =>
        new(name, unit, perSecond, perSecond > 0 ? 1e6 / perSecond : double.PositiveInfinity, detail);

    /// <summary>
    /// Runs <paramref name="workers"/> loops of <paramref name="operation"/> (given the worker's index; it returns the items
    /// it completed) and returns the items per second counted after a warm-up. Items counted elsewhere go to <paramref name="counter"/>.
    /// </summary>
    internal static async Task<double> RateAsync(
        TimeSpan duration, int workers, Func<int, CancellationToken, Task<int>> operation, CancellationToken ct, Counter? counter = null)
    {
        counter ??= new Counter();
        using var stop = new CancellationTokenSource();
        var loops = Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            // Operations get the caller's token, not the stop token, so each one finishes cleanly when the step ends.
            while (!stop.IsCancellationRequested)
            {
                counter.Add(await operation(i, ct));
            }
        }, ct)));
        try
        {
            // Loops only end early by failing; then the step stops at once and the failure surfaces below.
            await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(Math.Min(1, duration.TotalSeconds / 3)), ct), loops);
            var before = counter.Value;
            var clock = Stopwatch.StartNew();
            await Task.WhenAny(Task.Delay(duration, ct), loops);
            return (counter.Value - before) / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await stop.CancelAsync();
            await loops;
        }
    }

    /// <summary>A thread-safe item count.</summary>
    internal sealed class Counter
    {
        private long value;

        public long Value => Interlocked.Read(ref value);

        public void Add(long items) => Interlocked.Add(ref value, items);
    }
}

/// <summary>Values shaped like one Herald delivery row.</summary>
internal static class DeliveryRow
{
    /// <summary>About 200 bytes of rendered content, as a delivery row carries it.</summary>
    public const string Content =
        """{"subject":"Your order 48213 has shipped","body":"Hi Ada, your parcel left our warehouse today and should arrive within two working days. Track it from your account page.","locale":"en-GB"}""";

    public const string EventType = "order.shipped";

    /// <summary>Herald's id shape: a prefix and a UUIDv7 in hex, e.g. dlv_0192….</summary>
    public static string NewId(string prefix) => prefix + "_" + Guid.CreateVersion7().ToString("N");

    public static long NowMs() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
}
