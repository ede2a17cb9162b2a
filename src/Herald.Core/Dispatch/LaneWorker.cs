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
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var claimed = await store.ClaimDueAsync(channel, priority, now, now + o.Lease, _owner, o.ClaimSize(channel), gate, ct);
                if (claimed.Count == 0)
                {
                    await signals.WaitAsync(key, o.PollInterval, time, ct);
                    continue;
                }

                await processor.ProcessAsync(claimed, _owner, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is the source of truth: claimed work is recovered by lease expiry, so the lane backs off and goes on.
                LogLaneFault(logger, ex, channel.ToWire(), priority.ToWire());
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Lane {Channel}/{Priority} failed a round; backing off")]
    private static partial void LogLaneFault(ILogger logger, Exception ex, string channel, string priority);
}
