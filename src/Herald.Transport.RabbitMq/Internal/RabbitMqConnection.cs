using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>
/// The one connection to the broker and its own reconnect loop. The client's automatic recovery is off on purpose: after
/// a broker restart the topology (quorum queues and their arguments) must be declared again before anything consumes,
/// and consumers must re-attach to their single-active-consumer queues; this loop does both in that order, with
/// exponential backoff and jitter between attempts.
/// </summary>
internal sealed partial class RabbitMqConnection : IAsyncDisposable
{
    private readonly RabbitMqOptions _options;
    private readonly Topology _topology;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectionFactory _factory;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private TaskCompletionSource<IConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _current;
    private string _reason = "not connected yet";
    private Task? _loop;

    public RabbitMqConnection(RabbitMqOptions options, Topology topology, TimeProvider time, ILogger logger)
    {
        _options = options;
        _topology = topology;
        _time = time;
        _logger = logger;
        _factory = new ConnectionFactory
        {
            Uri = options.Uri ?? throw new InvalidOperationException("Herald:Transport:RabbitMq:Uri must be set"),
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = options.PublishTimeout,
            ClientProvidedName = "herald-" + Environment.MachineName,
        };
    }

    public (bool Ready, string? Reason) Health
    {
        get
        {
            lock (_gate)
            {
                return _current is { IsOpen: true } ? (true, null) : (false, "rabbitmq: " + _reason);
            }
        }
    }

    /// <summary>True once disposal began: consumers stop instead of waiting for a connection that will not come.</summary>
    public bool Stopped => _stop.IsCancellationRequested;

    /// <summary>The open connection, waiting as long as it takes (consumers; topology declaration).</summary>
    public Task<IConnection> WaitAsync(CancellationToken ct)
    {
        EnsureStarted();
        lock (_gate)
        {
            return _connected.Task.WaitAsync(ct);
        }
    }

    /// <summary>The open connection now, or an exception saying why not (publishers retry later rather than block).</summary>
    public async Task<IConnection> CurrentAsync(CancellationToken ct)
    {
        EnsureStarted();
        try
        {
            await _firstAttempt.Task.WaitAsync(_options.PublishTimeout, _time, ct);
        }
        catch (TimeoutException ex)
        {
            throw new RabbitMqUnavailableException("rabbitmq: still connecting", ex);
        }

        lock (_gate)
        {
            return _current is { IsOpen: true } connection ? connection : throw new RabbitMqUnavailableException("rabbitmq: " + _reason);
        }
    }

    private void EnsureStarted()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _loop ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            try
            {
                connection = await _factory.CreateConnectionAsync(stop);
                var lost = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.ConnectionShutdownAsync += (_, e) =>
                {
                    lost.TrySetResult(e);
                    return Task.CompletedTask;
                };
                await DeclareTopologyAsync(connection, stop);
                Connected(connection);
                failures = 0;
                var shutdown = await lost.Task.WaitAsync(stop);
                Lost(shutdown.ReplyText);
                LogConnectionLost(_logger, shutdown.ReplyCode, shutdown.ReplyText);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Any failure to connect or declare is an outage: say why in Health, back off and try again.
                Lost(ex.Message);
                LogConnectFailed(_logger, ex, failures + 1);
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            try
            {
                await Task.Delay(Backoff(failures++), _time, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    internal async Task DeclareTopologyAsync(IConnection connection, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await _topology.DeclareAsync(channel, ct);
        await channel.CloseAsync(ct);
    }

    /// <summary>ReconnectMin·2^n capped at ReconnectMax, then jittered to between half and all of it.</summary>
    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(_options.ReconnectMax.TotalMilliseconds, _options.ReconnectMin.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)));
#pragma warning disable CA5394 // Jitter spreads reconnects of many processes; it is not a security decision.
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
#pragma warning restore CA5394
    }

    private void Connected(IConnection connection)
    {
        lock (_gate)
        {
            _current = connection;
            _connected.TrySetResult(connection);
        }

        _firstAttempt.TrySetResult();

        LogConnected(_logger, connection.Endpoint.HostName, connection.Endpoint.Port);
    }

    private void Lost(string reason)
    {
        lock (_gate)
        {
            _current = null;
            _reason = reason;
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource<IConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _firstAttempt.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop;
        }

        lock (_gate)
        {
            _current = null;
            _reason = "stopped";
            _connected.TrySetCanceled();
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Host}:{Port}; topology declared")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "RabbitMQ connection lost ({ReplyCode} {ReplyText}); reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, ushort replyCode, string replyText);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Connecting to RabbitMQ failed (attempt {Attempt}); backing off")]
    private static partial void LogConnectFailed(ILogger logger, Exception ex, int attempt);
}
