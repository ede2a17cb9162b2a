using Herald.Core.Observability;
using Microsoft.Extensions.Hosting;

namespace Herald.Core.Workers;

/// <summary>
/// The base of Herald's polling background services: one loop that runs <see cref="RunRoundAsync"/> until the host stops,
/// pausing between rounds as each round asks (<see cref="NextRound"/>). A round that throws is logged through the worker's
/// own <see cref="LogRoundFailed"/> (its own event id), counted in <c>herald.worker.failures{worker}</c>, and followed by
/// the worker's <see cref="Backoff"/>, which a successful round starts over. Pauses run on the injected
/// <see cref="TimeProvider"/>, so tests drive them with a fake clock.
/// </summary>
public abstract class PollingWorker : BackgroundService
{
    private readonly WorkerLoop _loop;

    /// <param name="name">The worker's name in the failure metric's <c>worker</c> label (snake_case, a closed set).</param>
    /// <param name="metrics">Where failed rounds are counted.</param>
    /// <param name="time">The clock every pause runs on.</param>
    protected PollingWorker(string name, HeraldMetrics metrics, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(time);
        Metrics = metrics;
        Time = time;
        _loop = new WorkerLoop(name, metrics, time);
    }

    protected HeraldMetrics Metrics { get; }

    protected TimeProvider Time { get; }

    /// <summary>The pause before the first round (zero: at once).</summary>
    protected virtual TimeSpan FirstRoundAfter => TimeSpan.Zero;

    /// <summary>The pause after failed rounds, read at each failure.</summary>
    protected abstract WorkerBackoff Backoff { get; }

    /// <summary>One round of the worker's work; returns when to run the next.</summary>
    protected abstract Task<NextRound> RunRoundAsync(CancellationToken ct);

    /// <summary>Logs a failed round (a <c>[LoggerMessage]</c> with the worker's event id); the next round runs after <paramref name="retryIn"/>.</summary>
    protected abstract void LogRoundFailed(Exception exception, TimeSpan retryIn);

    /// <summary>Starts the back-off over from within a round that runs long and has just proved itself (a listener that connected).</summary>
    protected void ResetBackoff() => _loop.ResetBackoff();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _loop.RunAsync(FirstRoundAfter, RunRoundAsync, () => Backoff, LogRoundFailed, stoppingToken);
}
