using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Sent deliveries their provider never confirmed: claimed past the window, held, asked again, ended, restarted.</summary>
public abstract class ConfirmationContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    protected abstract Task<StoreHandle> OpenAsync();

    private static async Task<Delivery> SentAsync(StoreHandle s, string deliveryId, Channel channel = Channel.Sms)
    {
        // One recipient each: the gate's per-user SMS limit would hold back the eleventh to one recipient.
        var claimed = await DispatchSamples.SeedClaimedAsync(s, deliveryId, channel, recipient: "u_" + deliveryId);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a", providerMessageId: "pm-" + deliveryId)], Now, None)).ShouldBe([true]);
        return claimed;
    }

    private static Task<IReadOnlyList<UnconfirmedDelivery>> ClaimAsync(StoreHandle s, DateTimeOffset at, string provider = "capture", int limit = 10) =>
        s.Port<IConfirmationStore>().ClaimUnconfirmedAsync(provider, at - Window, at, at + Hold, limit, None);

    private static TraceEntry Trace(Delivery d, DateTimeOffset at, string decision) => new(d.NotificationId, at, "confirm", "sms", decision, "asked");

    [Fact]
    public async Task ClaimUnconfirmedAsync_WindowPassed_TakesOnlySentDeliveriesWithNoReportedStatus()
    {
        await using var s = await OpenAsync();
        await SentAsync(s, "dlv_quiet");
        var confirmed = await SentAsync(s, "dlv_confirmed");
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(confirmed.Id, confirmed.NotificationId, DeliveryStatus.Delivered, Now, null)], Now, None);
        await DispatchSamples.SeedClaimedAsync(s, "dlv_sending");

        (await ClaimAsync(s, Now + Window - TimeSpan.FromSeconds(1))).ShouldBeEmpty("the window has not passed");
        (await ClaimAsync(s, Now + Window, provider: "sms9")).ShouldBeEmpty("another provider's deliveries");
        var taken = await ClaimAsync(s, Now + Window);

        taken.Select(u => (u.Delivery.Id, u.LookUp, u.Delivery.ProviderMessageId, u.Delivery.Status)).ShouldBe([("dlv_quiet", 1, "pm-dlv_quiet", DeliveryStatus.Sent)]);
    }

    [Fact]
    public async Task ClaimUnconfirmedAsync_SentPushInAppOrWebhook_NeverTaken()
    {
        // Only email and SMS providers report after accepting; the others' rows never enter the unconfirmed index.
        await using var s = await OpenAsync();
        await SentAsync(s, "dlv_push", Channel.Push);
        await SentAsync(s, "dlv_in_app", Channel.InApp);
        await SentAsync(s, "dlv_webhook", Channel.Webhook);
        await SentAsync(s, "dlv_email", Channel.Email);

        var taken = await ClaimAsync(s, Now + Window);

        taken.Select(u => u.Delivery.Id).ShouldBe(["dlv_email"]);
    }

    [Fact]
    public async Task ClaimUnconfirmedAsync_Taken_HeldUntilTheHoldEndsThenTakenAgain()
    {
        await using var s = await OpenAsync();
        await SentAsync(s, "dlv_1");
        var at = Now + Window;
        (await ClaimAsync(s, at)).Count.ShouldBe(1);

        (await ClaimAsync(s, at + Hold - TimeSpan.FromMilliseconds(1))).ShouldBeEmpty("held by the first taker");
        var again = await ClaimAsync(s, at + Hold);

        again.Select(u => (u.Delivery.Id, u.LookUp)).ShouldBe([("dlv_1", 2)]);
    }

    [Fact]
    public async Task RecordLookUpAsync_AskAgainAtOrNever_TakenAtThatTimeOrNeverAndTraced()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s, "dlv_1");
        var store = s.Port<IConfirmationStore>();
        var at = Now + Window;
        await ClaimAsync(s, at);

        await store.RecordLookUpAsync(d, at + Window, Trace(d, at, "pending"), None);
        (await ClaimAsync(s, at + Window - TimeSpan.FromMilliseconds(1))).ShouldBeEmpty();
        (await ClaimAsync(s, at + Window)).Select(u => u.LookUp).ShouldBe([2]);
        await store.RecordLookUpAsync(d, null, Trace(d, at + Window, "not-found"), None);

        (await ClaimAsync(s, at + Window * 10)).ShouldBeEmpty("look-ups ended");
        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Sent);
        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Where(t => t.Stage == "confirm").Select(t => t.Decision).ShouldBe(["pending", "not-found"]);
    }

    [Fact]
    public async Task RestartConfirmationAsync_AfterLookUpsEnded_TakenAgainAsTheFirstLookUp()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s, "dlv_1");
        var store = s.Port<IConfirmationStore>();
        await ClaimAsync(s, Now + Window);
        await store.RecordLookUpAsync(d, null, Trace(d, Now + Window, "cannot-ask"), None);

        await store.RestartConfirmationAsync(d, None);

        (await ClaimAsync(s, Now + Window)).Select(u => (u.Delivery.Id, u.LookUp)).ShouldBe([("dlv_1", 1)]);
    }

    [Fact]
    public async Task ClaimUnconfirmedAsync_TwoNodesAtOnce_NeverTakeTheSameDelivery()
    {
        await using var s = await OpenAsync();
        for (var i = 0; i < 12; i++)
        {
            await SentAsync(s, $"dlv_{i:00}");
        }

        await using var peer = await s.OpenPeerAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ClaimAsync(i % 2 == 0 ? s : peer, Now + Window, limit: 3)))
            .WaitAsync(TimeSpan.FromSeconds(30));

        var ids = claims.SelectMany(c => c).Select(u => u.Delivery.Id).ToList();
        ids.Count.ShouldBe(12);
        ids.Distinct().Count().ShouldBe(12);
        claims.SelectMany(c => c).ShouldAllBe(u => u.LookUp == 1);
    }
}

public sealed class SqliteConfirmationTests : ConfirmationContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresConfirmationTests : ConfirmationContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
