using Herald.Core.Channels;
using Herald.Core.Dispatch;
using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Dispatch;

/// <summary>
/// A claimed batch is readied once per channel (the sender reads together what each send would look up), and a sender
/// that cannot ready it still sends every delivery, one by one. Real SQLite store, scripted SMS sender.
/// </summary>
public sealed class DeliveryProcessorPrepareTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-core-tests", Guid.NewGuid().ToString("N") + ".db");
    private readonly ScriptedSender _sender = new();
    private readonly ServiceProvider _services;

    public DeliveryProcessorPrepareTests()
    {
        _services = TempSqliteStore.PipelineServices(_path, new FakeTimeProvider(Now))
            .AddSingleton<IChannelSender>(_sender)
            .BuildServiceProvider();
    }

    private T Port<T>() where T : notnull => _services.GetRequiredService<T>();

    [Fact]
    public async Task ProcessAsync_Batch_ReadiedOnceAndEverySendGoesThroughIt()
    {
        var claimed = await ClaimedAsync(3);

        await Port<DeliveryProcessor>().ProcessAsync(claimed, "lane", CancellationToken.None);

        _sender.Prepared.ShouldBe([3]);
        _sender.SentPrepared.ShouldBe(3);
        _sender.SentAlone.ShouldBe(0);
        await StatusesShouldBeSentAsync(claimed);
    }

    [Fact]
    public async Task ProcessAsync_SenderCannotReadyTheBatch_EachDeliverySentOnItsOwn()
    {
        _sender.PrepareThrows = true;
        var claimed = await ClaimedAsync(3);

        await Port<DeliveryProcessor>().ProcessAsync(claimed, "lane", CancellationToken.None);

        _sender.SentPrepared.ShouldBe(0);
        _sender.SentAlone.ShouldBe(3);
        await StatusesShouldBeSentAsync(claimed);
    }

    private async Task StatusesShouldBeSentAsync(IReadOnlyList<Delivery> claimed)
    {
        foreach (var d in claimed)
        {
            (await Port<INotificationQueryStore>().GetDeliveryAsync(d.Id, CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Sent);
        }
    }

    private async Task<IReadOnlyList<Delivery>> ClaimedAsync(int count)
    {
        await Port<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        var n = TempSqliteStore.Notification("ntf_1", Now);
        await Port<IIngestStore>().AcceptAsync([new IngestItem([n], null)], Now, CancellationToken.None);
        (await Port<IPlanStore>().ClaimForPlanningAsync(Priority.Normal, Now, Now.AddSeconds(30), 10, CancellationToken.None)).Count.ShouldBe(1);
        var deliveries = Enumerable.Range(0, count).Select(i => TempSqliteStore.Delivery($"dlv_{i}", "ntf_1", Now, recipient: $"u{i}")).ToList();
        await Port<IPlanStore>().CompletePlanningAsync([new PlanResult("ntf_1", deliveries, [], NotificationStatus.Processing)], Now, CancellationToken.None);
        var gate = new DeliveryGate(Options.Create(new PipelineOptions()));
        var claimed = await Port<IDispatchStore>().ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now.AddSeconds(30), "lane", 10, gate, CancellationToken.None);
        claimed.Count.ShouldBe(count);
        return claimed;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        TempSqliteStore.DeleteFiles(_path);
    }

    /// <summary>An SMS sender that counts batches readied and sends made through them or alone.</summary>
    private sealed class ScriptedSender : IChannelSender
    {
        private int _sentPrepared;
        private int _sentAlone;

        public bool PrepareThrows { get; set; }

        public List<int> Prepared { get; } = [];

        public int SentPrepared => _sentPrepared;

        public int SentAlone => _sentAlone;

        public Channel Channel => Channel.Sms;

        public Task<Func<Delivery, CancellationToken, Task<SendResult>>> PrepareAsync(IReadOnlyList<Delivery> batch, CancellationToken ct)
        {
            if (PrepareThrows)
            {
                throw new InvalidOperationException("store unreachable");
            }

            Prepared.Add(batch.Count);
            return Task.FromResult<Func<Delivery, CancellationToken, Task<SendResult>>>((d, _) =>
            {
                Interlocked.Increment(ref _sentPrepared);
                return Task.FromResult(new SendResult(new DeliveryOutcome.Sent("SM-" + d.Id), "sms-stub"));
            });
        }

        public Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct)
        {
            Interlocked.Increment(ref _sentAlone);
            return Task.FromResult(new SendResult(new DeliveryOutcome.Sent("SM-" + delivery.Id), "sms-stub"));
        }

        public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);
    }
}
