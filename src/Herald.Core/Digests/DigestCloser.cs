using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Digests;

/// <summary>
/// Closes digests whose window has ended: in one transaction per digest the store flips it from open to closed (only if
/// still open) and inserts its one notification, so a digest is sent exactly once however many closers run. Scheduler role.
/// </summary>
internal sealed partial class DigestCloser(IDigestStore store, Signals signals, HeraldMetrics metrics, TimeProvider time, ILogger<DigestCloser> logger)
    : PollingWorker("digest_closer", metrics, time)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(PollInterval);

    // A full batch (100) leaves more due digests behind: the next round runs at once.
    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct) =>
        await CloseDueAsync(ct) < 100 ? NextRound.In(PollInterval) : NextRound.Now;

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogCloseFailed(logger, exception, retryIn.TotalMilliseconds);

    public async Task<int> CloseDueAsync(CancellationToken ct)
    {
        var closed = await store.CloseDueDigestsAsync(Time.GetUtcNow(), 100, ct);
        if (closed > 0)
        {
            signals.Notify(Signals.Planner(Priority.Normal));
        }

        return closed;
    }

    [LoggerMessage(EventId = 2961, Level = LogLevel.Error, Message = "Closing due digests failed; retrying in {DelayMs} ms")]
    private static partial void LogCloseFailed(ILogger logger, Exception ex, double delayMs);
}
