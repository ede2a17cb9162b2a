using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Digests;

/// <summary>
/// Closes digests whose window has ended: in one transaction per digest the store flips it from open to closed (only if
/// still open) and inserts its one notification, so a digest is sent exactly once however many closers run. Scheduler role.
/// </summary>
public sealed partial class DigestCloser(IDigestStore store, Signals signals, TimeProvider time, ILogger<DigestCloser> logger) : BackgroundService
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var closed = 0;
            try
            {
                closed = await CloseDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCloseFailed(logger, ex);
            }

            if (closed < 100)
            {
                await Task.Delay(PollInterval, time, stoppingToken);
            }
        }
    }

    public async Task<int> CloseDueAsync(CancellationToken ct)
    {
        var closed = await store.CloseDueDigestsAsync(time.GetUtcNow(), 100, ct);
        if (closed > 0)
        {
            signals.Notify(Signals.Planner(Priority.Normal));
        }

        return closed;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing due digests failed; retrying")]
    private static partial void LogCloseFailed(ILogger logger, Exception ex);
}
