using Herald.Core.Observability;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Cluster signals over PostgreSQL: one dedicated connection per process LISTENs on <see cref="ClusterSignalPayload.Channel"/>
/// and hands each notification to the subscribers (store writes send theirs through <see cref="PostgresSignalSender"/>). When the connection drops it reconnects with backoff, and after every
/// (re)connect tells every subscriber that anything may have changed, since notifications sent meanwhile are lost.
/// </summary>
internal sealed partial class PostgresClusterSignals(
    PostgresDatabase db,
    ClusterSignalHandlers handlers,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<PostgresClusterSignals> logger) : PollingWorker("cluster_signals", metrics, time), IClusterSignals
{
    /// <summary>How long the listener waits for a notification before checking that its connection is still alive.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    /// <summary>The listener's connection in pg_stat_activity.</summary>
    public const string ApplicationName = "herald-signals";

    /// <summary>A plain NOTIFY, for changes not written by the store (delivered locally at once, to the others on commit).</summary>
    public async Task PublishAsync(string topic, string key, CancellationToken ct)
    {
        handlers.Dispatch(topic, key);
        await using var c = await db.OpenAsync(ct);
        foreach (var payload in ClusterSignalPayload.Encode(topic, [key]))
        {
            await c.Command("SELECT pg_notify(@ch, @p)").With("ch", ClusterSignalPayload.Channel).With("p", payload).ExecuteNonQueryAsync(ct);
        }
    }

    public IDisposable Subscribe(string topic, Action<string?> handler) => handlers.Subscribe(topic, handler);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        db.Signals.Failed = ex => LogSendFailed(logger, ex);
        return base.ExecuteAsync(stoppingToken);
    }

    // Unreachable, restarted or refused: the subscribers fall back to their TTLs and polls until it is back. A connection
    // that was made starts the back-off over.
    protected override WorkerBackoff Backoff { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>One connection's life: listens until it is lost (a failed round) or the host stops.</summary>
    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await ListenAsync(ct);
        return NextRound.Now;
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogListenerLost(logger, exception, retryIn.TotalMilliseconds);

    private async Task ListenAsync(CancellationToken ct)
    {
        // Not from the pool: a pooled connection is reset (UNLISTEN) when returned, and this one is held for the process's life.
        var settings = new NpgsqlConnectionStringBuilder(db.Options.ConnectionString) { Pooling = false, Timezone = "UTC", ApplicationName = ApplicationName };
        await using var c = new NpgsqlConnection(settings.ConnectionString);
        c.Notification += OnNotification;
        await c.OpenAsync(ct);
        await c.Command($"LISTEN {ClusterSignalPayload.Channel}").ExecuteNonQueryAsync(ct);
        ResetBackoff();
        LogListening(logger);
        handlers.DispatchEverything();
        while (!ct.IsCancellationRequested)
        {
            if (!await c.WaitAsync(Heartbeat, ct))
            {
                // Quiet for a while: a round trip proves the connection (a half-open socket would otherwise wait forever).
                await c.Command("SELECT 1").ExecuteNonQueryAsync(ct);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        try
        {
            var (topic, keys) = ClusterSignalPayload.Decode(e.Payload);
            foreach (var key in keys)
            {
                handlers.Dispatch(topic, key);
            }
        }
        catch (Exception ex)
        {
            // A subscriber's bug must not take the listener down for every other subscriber.
            LogHandlerFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Listening for cluster signals")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Cluster signal listener lost its connection; reconnecting in {DelayMs} ms (caches fall back to their TTLs, workers to polling)")]
    private static partial void LogListenerLost(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Sending cluster signals failed; other nodes pick the changes up at their next poll")]
    private static partial void LogSendFailed(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "A cluster signal subscriber failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex);
}
