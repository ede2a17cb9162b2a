using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Callback receipts (issue 16): an update carrying a receipt applies at most once while the receipt lives, also when
/// two transactions race with it; an expired receipt no longer blocks, and the purge removes only expired ones.
/// </summary>
public abstract class CallbackReceiptContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static TrackingUpdate OptOut(string address, string key, DateTimeOffset expires) =>
        new(null, null, null, Now, null, Suppress: new Suppression(Channel.Sms, address, "opt-out", "twilio", Now), Receipt: new CallbackReceipt("sms1", key, expires));

    private static TrackingUpdate OptIn(string address, string key, DateTimeOffset expires) =>
        new(null, null, null, Now, null, Unsuppress: new Suppression(Channel.Sms, address, "opt-out", "twilio", Now), Receipt: new CallbackReceipt("sms1", key, expires));

    [Fact]
    public async Task ApplyTrackingAsync_ReceiptHeld_UpdateSkippedWhole()
    {
        await using var s = await OpenAsync();
        var d = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Email);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(d, "lane-a", providerMessageId: "pm-1")], Now, None)).ShouldBe([true]);
        var opened = new TrackingUpdate(d.Id, d.NotificationId, DeliveryStatus.Opened, Now, new TraceEntry(d.NotificationId, Now, "track", "email", "opened", "open"),
            Receipt: new CallbackReceipt("email1", "ev-1", Now.AddHours(1)));

        await s.Tracking.ApplyTrackingAsync([opened, opened], Now, None);
        await s.Tracking.ApplyTrackingAsync([opened], Now.AddMinutes(1), None);

        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Count(t => t.Stage == "track").ShouldBe(1);
        // The same key from another provider is another event.
        await s.Tracking.ApplyTrackingAsync([opened with { Receipt = new CallbackReceipt("email2", "ev-1", Now.AddHours(1)) }], Now.AddMinutes(1), None);
        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Count(t => t.Stage == "track").ShouldBe(2);
    }

    [Fact]
    public async Task ApplyTrackingAsync_StartReplayedAfterStop_OptOutStays()
    {
        await using var s = await OpenAsync();
        var expires = Now.AddDays(1);
        await s.Tracking.ApplyTrackingAsync([OptIn("+15550001", "SM1:inbound", expires)], Now, None);
        await s.Tracking.ApplyTrackingAsync([OptOut("+15550001", "SM2:inbound", expires)], Now, None);
        await s.Tracking.ApplyTrackingAsync([OptIn("+15550001", "SM1:inbound", expires)], Now.AddHours(1), None);

        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, "+15550001", 10, None)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ApplyTrackingAsync_ReceiptExpired_AppliesAgainAndPurgeRemovesOnlyExpired()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([OptOut("+15550002", "SM3:inbound", Now.AddMinutes(5))], Now, None);
        await s.Tracking.ApplyTrackingAsync([OptOut("+15550003", "SM4:inbound", Now.AddHours(5))], Now, None);
        (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Sms, "+15550002", None)).ShouldBeTrue();

        await s.Tracking.ApplyTrackingAsync([OptOut("+15550002", "SM3:inbound", Now.AddMinutes(20))], Now.AddMinutes(10), None);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, "+15550002", 10, None)).ShouldHaveSingleItem();

        (await s.Tracking.PurgeCallbackReceiptsAsync(Now.AddHours(1), None)).ShouldBe(1);
        (await s.Tracking.PurgeCallbackReceiptsAsync(Now.AddHours(1), None)).ShouldBe(0);
        (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Sms, "+15550003", None)).ShouldBeTrue();
        await s.Tracking.ApplyTrackingAsync([OptOut("+15550003", "SM4:inbound", Now.AddHours(6))], Now.AddHours(1), None);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, "+15550003", 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ApplyTrackingAsync_SameReceiptRacing_AppliedOnce()
    {
        await using var s = await OpenAsync();
        var expires = Now.AddDays(1);
        for (var round = 0; round < 5; round++)
        {
            var address = $"+1555000{round}9";
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => s.Tracking.ApplyTrackingAsync([OptOut(address, $"race-{round}", expires)], Now, None))))
                .WaitAsync(TimeSpan.FromSeconds(30));
            (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Sms, address, None)).ShouldBeTrue();
            await s.Tracking.ApplyTrackingAsync([OptOut(address, $"race-{round}", expires)], Now, None);
            (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, address, 10, None)).ShouldBeEmpty();
        }
    }
}

public sealed class SqliteCallbackReceiptTests : CallbackReceiptContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresCallbackReceiptTests : CallbackReceiptContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
