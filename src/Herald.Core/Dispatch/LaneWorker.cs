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
/// A lane keeps up to twice its claim size claimed and not yet committed (the claim size is
/// <see cref="PipelineOptions.LaneConcurrency"/>, or <see cref="PipelineOptions.ClaimBatch"/> for in-app) and claims its
/// next batch while earlier ones are still sending or committing, as soon as a claim's worth of that room is free; its
/// sends in flight stay within <see cref="PipelineOptions.LaneConcurrency"/> across all its batches. So a round is not
/// the claim, the slowest send and the commit in series: while one batch waits for the writer to commit, the next one
/// sends. A recipient with a delivery of a batch not yet committed is held out of the next claims (the store leaves its
/// due deliveries queued), so overlapping batches never send a recipient's later message beside an earlier one.
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
        var flight = new LaneFlight(2 * size);
        using var sendSlots = new SemaphoreSlim(o.LaneConcurrency, o.LaneConcurrency);
        while (!ct.IsCancellationRequested)
        {
            // Armed before looking: new due work, or a batch of this lane committing, wakes the wait below.
            var wake = signals.Arm(key);
            try
            {
                var room = flight.Room;
                if (room == 0 || (flight.Batches > 0 && room < size))
                {
                    await Signals.WaitAsync(wake, o.PollInterval, time, ct);
                    continue;
                }

                var now = time.GetUtcNow();
                var claimed = await store.ClaimDueAsync(channel, priority, now, now + o.Lease, _owner, Math.Min(room, size), gate, flight.Held(), ct);
                if (claimed.Count == 0)
                {
                    await Signals.WaitAsync(wake, o.PollInterval, time, ct);
                    continue;
                }

                flight.Add(claimed);
                flight.Track(SendAsync(claimed, flight, sendSlots, key, channel, priority, ct));
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
    private async Task SendAsync(IReadOnlyList<Delivery> claimed, LaneFlight flight, SemaphoreSlim sendSlots, string key, Channel channel, Priority priority, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await processor.ProcessAsync(claimed, _owner, ct, sendSlots);
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
            flight.Remove(claimed);
            signals.Notify(key);
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Lane {Channel}/{Priority} failed a round; backing off")]
    private static partial void LogLaneFault(ILogger logger, Exception ex, string channel, string priority);
}

/// <summary>What one lane has in flight: room left, the recipients held out of its next claims, and the running batches.</summary>
internal sealed class LaneFlight(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _recipients = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _running = [];
    private int _deliveries;
    private int _batches;

    public int Capacity => capacity;

    public int Room
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(0, capacity - _deliveries);
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

    /// <summary>A snapshot of the recipients with a send in flight (null when none), for the store to leave queued.</summary>
    public IReadOnlySet<string>? Held()
    {
        lock (_lock)
        {
            return _recipients.Count == 0 ? null : new HashSet<string>(_recipients.Keys, StringComparer.Ordinal);
        }
    }

    /// <summary>A claimed batch takes its room and holds its recipients until <see cref="Remove"/>.</summary>
    public void Add(IReadOnlyList<Delivery> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            _deliveries += batch.Count;
            _batches++;
            foreach (var d in batch)
            {
                _recipients[d.RecipientId] = _recipients.GetValueOrDefault(d.RecipientId) + 1;
            }
        }
    }

    public void Remove(IReadOnlyList<Delivery> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            _deliveries -= batch.Count;
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
