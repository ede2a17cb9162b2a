using Herald.Core.Observability;

namespace Herald.Core.Workers;

/// <summary>
/// The loop behind <see cref="PollingWorker"/>, for a worker that runs several side by side (the planner runs one per
/// priority): rounds until stopped, the pause each round asks for between them, and after a round that throws the
/// failure logged, counted (<c>herald.worker.failures</c>) and backed off. Stopping ends a round or a pause at once and
/// is not a failure.
/// </summary>
internal sealed class WorkerLoop(string worker, HeraldMetrics metrics, TimeProvider time)
{
    // Past this many failures in a row the back-off is at its maximum anyway; the cap keeps the count from overflowing.
    private const int MaxCountedFailures = 64;

    private int _failures;

    /// <summary>Starts the back-off over from within a long round that has just proved itself (a listener that connected).</summary>
    public void ResetBackoff() => _failures = 0;

    public async Task RunAsync(
        TimeSpan firstRoundAfter,
        Func<CancellationToken, Task<NextRound>> round,
        Func<WorkerBackoff> backoff,
        Action<Exception, TimeSpan> logFailure,
        CancellationToken ct)
    {
        try
        {
            await NextRound.In(firstRoundAfter).WaitAsync(time, ct);
            while (!ct.IsCancellationRequested)
            {
                NextRound next;
                try
                {
                    next = await round(ct);
                    _failures = 0;
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
                {
                    // Whatever the round left half done, the store recovers (leases, idempotent writes); the loop goes on.
                    _failures = Math.Min(_failures + 1, MaxCountedFailures);
                    var pause = backoff().After(_failures);
                    metrics.WorkerFailed(worker);
                    logFailure(ex, pause);
                    next = NextRound.In(pause);
                }

                await next.WaitAsync(time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the host asked for it.
        }
    }
}
