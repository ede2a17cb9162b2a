using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Settlement;
using Herald.Core.Storage;
using Herald.Core.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Settlement;

/// <summary>
/// The confirmation worker over the real SQLite store and a fake clock, with an SMS provider whose answers the test
/// scripts: how many times it asks, when, and what it leaves in the trace.
/// </summary>
public sealed class ConfirmationWorkerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-core-tests", Guid.NewGuid().ToString("N") + ".db");
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly ScriptedSender _sender = new();
    private readonly ServiceProvider _services;

    public ConfirmationWorkerTests()
    {
        _services = TempSqliteStore.PipelineServices(_path, _clock)
            .AddSingleton<IChannelSender>(_sender)
            .AddSingleton<ConfirmationWorker>()
            .BuildServiceProvider();
    }

    private T Port<T>() where T : notnull => _services.GetRequiredService<T>();

    private ConfirmationWorker Worker => _services.GetRequiredService<ConfirmationWorker>();

    [Fact]
    public async Task ConfirmOnceAsync_StillPending_AskedOneWindowApartAtMostThreeTimes()
    {
        var d = await SentAsync();
        _sender.Answer = new ProviderStatusAnswer.Pending("queued");

        (await Worker.ConfirmOnceAsync(CancellationToken.None)).ShouldBe(0, "the window has not passed");
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(Window);
            await Worker.ConfirmOnceAsync(CancellationToken.None);
        }

        _sender.Asked.ShouldBe(3);
        var trace = await ConfirmTraceAsync(d);
        trace.Select(t => t.Decision).ShouldBe(["pending", "pending", "pending"]);
        trace[0].Reason.ShouldBe("no status from sms-stub within 10 min of sent; look-up 1 of 3: sms-stub reports it still queued; asking again at 12:20:00Z");
        trace[2].Reason.ShouldEndWith("look-up 3 of 3: sms-stub reports it still queued; no look-up left; left sent");
        (await Port<INotificationQueryStore>().GetDeliveryAsync(d.Id, CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Sent);
    }

    [Fact]
    public async Task ConfirmOnceAsync_SentLongBeforeTheLastLookUp_LeftSentWithoutAsking()
    {
        var d = await SentAsync();
        _clock.Advance(Window * 5 + TimeSpan.FromSeconds(1));

        (await Worker.ConfirmOnceAsync(CancellationToken.None)).ShouldBe(1);
        _clock.Advance(Window);
        (await Worker.ConfirmOnceAsync(CancellationToken.None)).ShouldBe(0);

        _sender.Asked.ShouldBe(0);
        var trace = (await ConfirmTraceAsync(d)).ShouldHaveSingleItem();
        trace.Decision.ShouldBe("unconfirmed");
        trace.Reason.ShouldContain("sent too long ago for a look-up to act on");
    }

    [Fact]
    public async Task ConfirmOnceAsync_LookUpThrows_CountedAsUnansweredAndAskedAgain()
    {
        var d = await SentAsync();
        _sender.Throw = true;
        _clock.Advance(Window);

        await Worker.ConfirmOnceAsync(CancellationToken.None);
        _sender.Throw = false;
        _sender.Answer = new ProviderStatusAnswer.Delivered("delivered");
        _clock.Advance(Window);
        await Worker.ConfirmOnceAsync(CancellationToken.None);

        (await ConfirmTraceAsync(d)).Select(t => t.Decision).ShouldBe(["lookup-unanswered", "delivered"]);
        (await Port<INotificationQueryStore>().GetDeliveryAsync(d.Id, CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Delivered);
    }

    private async Task<Delivery> SentAsync()
    {
        await Port<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        var n = TempSqliteStore.Notification("ntf_1", Now);
        await Port<IIngestStore>().AcceptAsync([new IngestItem([n], null)], Now, CancellationToken.None);
        (await Port<IPlanStore>().ClaimForPlanningAsync(Priority.Normal, Now, Now.AddSeconds(30), 10, CancellationToken.None)).Count.ShouldBe(1);
        await Port<IPlanStore>().CompletePlanningAsync([new PlanResult("ntf_1", [TempSqliteStore.Delivery("dlv_1", "ntf_1", Now)], [], NotificationStatus.Processing)], Now, CancellationToken.None);
        var gate = new DeliveryGate(Options.Create(new PipelineOptions()));
        var d = (await Port<IDispatchStore>().ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now.AddSeconds(30), "lane", 10, gate, CancellationToken.None)).ShouldHaveSingleItem();
        (await Port<IDispatchStore>().CompleteAsync([new DeliveryCompletion(d.Id, d.NotificationId, "lane", DeliveryStatus.Sent, null, ScriptedSender.Provider, null, "sent", "SM1", Now, Now, [])],
            Now, CancellationToken.None)).ShouldBe([true]);
        return d;
    }

    private async Task<List<TraceEntry>> ConfirmTraceAsync(Delivery d) =>
        [.. (await Port<INotificationQueryStore>().GetTraceAsync(d.NotificationId, CancellationToken.None)).Where(t => t.Stage == "confirm")];

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        TempSqliteStore.DeleteFiles(_path);
    }

    /// <summary>An SMS provider that can be asked, answering what the test sets.</summary>
    private sealed class ScriptedSender : IChannelSender
    {
        public const string Provider = "sms-stub";

        public ProviderStatusAnswer Answer { get; set; } = ProviderStatusAnswer.NotFound;

        public bool Throw { get; set; }

        public int Asked { get; private set; }

        public Channel Channel => Channel.Sms;

        public IReadOnlyList<ConfirmPolicy> ConfirmPolicies { get; } = [new(Provider, Window, 3)];

        public Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct) => throw new NotSupportedException("not sent here");

        public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

        public Task<ProviderStatusAnswer> FetchStatusAsync(Delivery delivery, CancellationToken ct)
        {
            Asked++;
            return Throw ? throw new HttpRequestException("connection reset") : Task.FromResult(Answer);
        }
    }
}
