using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Dispatch;

/// <summary>
/// One loop per channel × priority lane, each with its own concurrency, so an urgent lane never waits behind a
/// bulk lane. A lane claims due deliveries from the store (gate included), sends them and commits the outcomes.
/// </summary>
/// <remarks>
/// A lane claims its next batch while earlier ones are still committing: its room is its claim size
/// (<see cref="PipelineOptions.LaneConcurrency"/>, or <see cref="PipelineOptions.ClaimBatch"/> for in-app) less the
/// deliveries whose send has not finished, so every claimed delivery starts its send at once (a claim still settles
/// within one provider timeout, inside its lease) while the batches before it wait for the writer to commit them. With a
/// batch out it claims when that batch's sends are done (full batches: fewer write transactions per delivery), or after
/// <see cref="PartialWait"/> with the room there is (a slow send never stalls the lane). At most
/// <see cref="MaxBatches"/> batches are in flight. A recipient with a delivery in a batch not yet committed is held
/// out of the next claims (the store leaves its due deliveries queued), so overlapping batches never send a recipient's
/// later message beside an earlier one.
/// </remarks>
internal sealed partial class LaneWorker(
    IDispatchStore store,
    IDispatchGate gate,
    DeliveryProcessor processor,
    Signals signals,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    TimeProvider time,
    ILogger<LaneWorker> logger) : BackgroundService
{
    private readonly string _owner = "lane-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Batches of one lane claimed and not yet committed, at most.</summary>
    internal const int MaxBatches = 4;

    /// <summary>How long a lane with a batch out waits for its room to be whole before claiming what room there is.</summary>
    internal static readonly TimeSpan PartialWait = TimeSpan.FromMilliseconds(20);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var (channel, priority) in ChannelNames.Lanes)
        {
            loops.Add(Task.Run(() => RunLaneAsync(channel, priority, stoppingToken), stoppingToken));
        }

        health.Started("lanes");
        return Task.WhenAll(loops);
    }

    private async Task RunLaneAsync(Channel channel, Priority priority, CancellationToken ct)
    {
        var o = options.Value;
        var key = Signals.Lane(channel, priority);
        using var writes = WritePriority.Urgent(priority == Priority.Urgent);
        var size = o.ClaimSize(channel);
        var flight = new LaneFlight(size);
        long? partialSince = null;
        while (!ct.IsCancellationRequested)
        {
            // Armed before looking: new due work, or a batch of this lane committing, wakes the wait below.
            var wake = signals.Arm(key);
            try
            {
                var room = flight.Room;
                if (room == 0 || flight.Batches >= MaxBatches)
                {
                    await Signals.WaitAsync(wake, o.PollInterval, time, ct);
                    continue;
                }

                // With a batch still out, wait briefly for its sends to finish so the next claim is a full one (fewer write
                // transactions per delivery); a slow send holds the room it needs, never the lane.
                if (flight.Batches > 0 && room < size && PartialWait - time.GetElapsedTime(partialSince ??= time.GetTimestamp()) is var left && left > TimeSpan.Zero)
                {
                    await Signals.WaitAsync(wake, left, time, ct);
                    continue;
                }

                partialSince = null;

                var now = time.GetUtcNow();
                var claimed = await store.ClaimDueAsync(channel, priority, now, now + o.Lease, _owner, room, gate, flight.Held(), ct);
                if (claimed.Count == 0)
                {
                    await Signals.WaitAsync(wake, o.PollInterval, time, ct);
                    continue;
                }

                flight.Add(claimed);
                flight.Track(SendAsync(claimed, flight, key, channel, priority, ct));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The store is the source of truth: claimed work is recovered by lease expiry, so the lane backs off and goes on.
                LogLaneFault(logger, ex, channel.ToWire(), priority.ToWire());
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await flight.DrainAsync();
    }

    /// <summary>Sends and commits one claimed batch, then frees its room and wakes the lane. Never throws.</summary>
    private async Task SendAsync(IReadOnlyList<Delivery> claimed, LaneFlight flight, string key, Channel channel, Priority priority, CancellationToken ct)
    {
        await Task.Yield();
        var sent = 0;
        try
        {
            // Each finished send gives its room back at once (and wakes the lane); the batch's recipients stay held until it commits.
            await processor.ProcessAsync(claimed, _owner, ct, () =>
            {
                Interlocked.Increment(ref sent);
                flight.Sent();
                signals.Notify(key);
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the leases bring these back.
        }
        catch (Exception ex)
        {
            LogLaneFault(logger, ex, channel.ToWire(), priority.ToWire());
        }
        finally
        {
            flight.Remove(claimed, claimed.Count - Volatile.Read(ref sent));
            signals.Notify(key);
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Lane {Channel}/{Priority} failed a round; backing off")]
    private static partial void LogLaneFault(ILogger logger, Exception ex, string channel, string priority);
}

/// <summary>
/// What one lane has in flight: room left (claimed deliveries whose send has not finished), the recipients held out of its
/// next claims (until their batch commits), and the running batches.
/// </summary>
internal sealed class LaneFlight(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _recipients = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _running = [];
    private int _sending;
    private int _batches;

    public int Room
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(0, capacity - _sending);
            }
        }
    }

    /// <summary>Batches claimed and not yet committed.</summary>
    public int Batches
    {
        get
        {
            lock (_lock)
            {
                return _batches;
            }
        }
    }

    /// <summary>A snapshot of the recipients with a delivery in a batch not yet committed (null when none), for the store to leave queued.</summary>
    public IReadOnlySet<string>? Held()
    {
        lock (_lock)
        {
            return _recipients.Count == 0 ? null : new HashSet<string>(_recipients.Keys, StringComparer.Ordinal);
        }
    }

    /// <summary>A claimed batch takes its room until each send finishes (<see cref="Sent"/>) and holds its recipients until <see cref="Remove"/>.</summary>
    public void Add(IReadOnlyList<Delivery> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            _sending += batch.Count;
            _batches++;
            foreach (var d in batch)
            {
                _recipients[d.RecipientId] = _recipients.GetValueOrDefault(d.RecipientId) + 1;
            }
        }
    }

    /// <summary>One send of a batch finished (whatever its outcome): its room is free for the next claim.</summary>
    public void Sent()
    {
        lock (_lock)
        {
            _sending--;
        }
    }

    /// <summary>The batch is over (committed, or failed): its recipients are free, and any room its unfinished sends held.</summary>
    public void Remove(IReadOnlyList<Delivery> batch, int unsent)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            _sending -= unsent;
            _batches--;
            foreach (var d in batch)
            {
                if (_recipients.TryGetValue(d.RecipientId, out var n) && n > 1)
                {
                    _recipients[d.RecipientId] = n - 1;
                }
                else
                {
                    _recipients.Remove(d.RecipientId);
                }
            }
        }
    }

    /// <summary>Keeps a batch's task for <see cref="DrainAsync"/> (finished ones are let go).</summary>
    public void Track(Task running)
    {
        lock (_lock)
        {
            _running.RemoveWhere(t => t.IsCompleted);
            _running.Add(running);
        }
    }

    /// <summary>Waits for every batch still sending or committing (at stop).</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll([.. _running]);
        }
    }
}
