using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Retention: terminal notifications unchanged for the retention leave with their deliveries, trace and feed follows
/// its own retention; a notification scheduled beyond the retention and an unsent delivery stay, whatever their age.
/// </summary>
public abstract class RetentionContract
{
    // An old month (the PostgreSQL store gets partitions for it, as if Herald had run then) and "now", months later.
    protected static readonly DateTimeOffset Then = new(2020, 1, 15, 12, 0, 0, TimeSpan.Zero);
    protected static readonly DateTimeOffset Now = new(2020, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    /// <summary>Makes the store hold <paramref name="month"/> as it would had Herald run then (PostgreSQL: its partitions).</summary>
    protected virtual Task PrepareMonthAsync(StoreHandle s, DateTimeOffset month) => Task.CompletedTask;

    protected static IRetentionStore Retention(StoreHandle s) => s.Port<IRetentionStore>();

    protected static RetentionCutoffs Cutoffs(DateTimeOffset notifications, DateTimeOffset feed, int batch = 2) => new(notifications, feed, batch);

    /// <summary>The notifications of one old month: done (sent in-app, with a feed item), scheduled for later, and one with an unsent SMS.</summary>
    protected sealed record OldMonth(string Done, string DoneDelivery, string Scheduled, string Unsent, string UnsentDelivery);

    protected static async Task<OldMonth> SeedOldMonthAsync(StoreHandle s, DateTimeOffset at, string user = "u1")
    {
        var done = Ids.New("ntf", at);
        var scheduled = Ids.New("ntf", at.AddMilliseconds(1));
        var unsent = Ids.New("ntf", at.AddMilliseconds(2));
        var doneDelivery = Ids.New("dlv", at);
        var unsentDelivery = Ids.New("dlv", at.AddMilliseconds(1));
        await s.Ingest.AcceptAsync(
        [
            new IngestItem([Notification(done, at, at, user)], null),
            new IngestItem([Notification(scheduled, at, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), user, NotificationStatus.Scheduled)], null),
            new IngestItem([Notification(unsent, at, at, user)], null),
        ], at, None);
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, at, at + Lease, 10, None)).Select(n => n.Id).ShouldBe([done, unsent], ignoreOrder: true);
        await s.Plans.CompletePlanningAsync(
        [
            new PlanResult(done, [Delivery(doneDelivery, done, Channel.InApp, at, user)], [new TraceEntry(done, at, "plan", "in_app", "planned", "test")], NotificationStatus.Processing),
            new PlanResult(unsent, [Delivery(unsentDelivery, unsent, Channel.Sms, at, user)], [new TraceEntry(unsent, at, "plan", "sms", "planned", "test")], NotificationStatus.Processing),
        ], at, None);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.InApp, Priority.Normal, at, at + Lease, "lane-a", 10, DispatchSamples.Gate(), None);
        claimed.Select(d => d.Id).ShouldBe([doneDelivery]);
        var feed = new FeedItem(0, user, done, doneDelivery, "order.shipped", "old", "body", null, null, at, null, null);
        (await s.Dispatch.CompleteAsync([new DeliveryCompletion(doneDelivery, done, "lane-a", DeliveryStatus.Sent, null, "in_app", null, "sent", null, at, at,
            [new TraceEntry(done, at, "dispatch", "in_app", "sent", "test")], feed)], at, None)).ShouldBe([true]);
        (await s.Queries.GetNotificationAsync(done, None))!.Status.ShouldBe(NotificationStatus.Completed);
        return new OldMonth(done, doneDelivery, scheduled, unsent, unsentDelivery);
    }

    [Fact]
    public async Task PurgeExpiredAsync_OldMonth_RemovesTerminalAndKeepsScheduledAndUnsent()
    {
        await using var s = await OpenAsync();
        await PrepareMonthAsync(s, Then);
        var old = await SeedOldMonthAsync(s, Then);

        var removed = await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Now.AddDays(-90)), None);

        (await s.Queries.GetNotificationAsync(old.Done, None)).ShouldBeNull();
        (await s.Queries.GetDeliveryAsync(old.DoneDelivery, None)).ShouldBeNull();
        (await s.Queries.GetTraceAsync(old.Done, None)).ShouldBeEmpty();
        (await s.Queries.GetNotificationAsync(old.Scheduled, None))!.Status.ShouldBe(NotificationStatus.Scheduled);
        (await s.Queries.GetNotificationAsync(old.Unsent, None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetDeliveryAsync(old.UnsentDelivery, None))!.Status.ShouldBe(DeliveryStatus.Queued);
        (await s.Queries.GetTraceAsync(old.Unsent, None)).Select(t => t.Decision).ShouldBe(["planned"]);
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).ShouldBeEmpty();
        removed.Notifications.ShouldBe(1);
        removed.Deliveries.ShouldBe(1);
        removed.FeedItems.ShouldBe(1);
    }

    [Fact]
    public async Task PurgeExpiredAsync_KeptWorkStillPending_StaysAndClaimableThenLeavesOnceTerminalAndOld()
    {
        await using var s = await OpenAsync();
        await PrepareMonthAsync(s, Then);
        var old = await SeedOldMonthAsync(s, Then);
        await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Now.AddDays(-90)), None);

        // The unsent SMS is still dispatched after the run, and the notification then completes.
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-b", 10, DispatchSamples.Gate(), None);
        claimed.Select(d => d.Id).ShouldBe([old.UnsentDelivery]);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed[0], "lane-b") with { StartedAt = Now, FinishedAt = Now }], Now, None)).ShouldBe([true]);
        var young = await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Now.AddDays(-90)), None);
        var later = await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(1), Now.AddDays(1)), None);

        young.Notifications.ShouldBe(0);
        later.Notifications.ShouldBe(1);
        later.Deliveries.ShouldBe(1);
        (await s.Queries.GetNotificationAsync(old.Unsent, None)).ShouldBeNull();
        (await s.Queries.GetDeliveryAsync(old.UnsentDelivery, None)).ShouldBeNull();
        (await s.Queries.GetNotificationAsync(old.Scheduled, None))!.Status.ShouldBe(NotificationStatus.Scheduled);
    }

    [Fact]
    public async Task PurgeExpiredAsync_FeedRetentionLongerOrShorter_FeedFollowsItsOwnCutoff()
    {
        await using var s = await OpenAsync();
        await PrepareMonthAsync(s, Then);
        var old = await SeedOldMonthAsync(s, Then);
        var recent = await SeedOldMonthAsync(s, Now.AddDays(-1), "u2");

        var notificationsOnly = await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Then.AddDays(-1)), None);

        (await s.Queries.GetNotificationAsync(old.Done, None)).ShouldBeNull();
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).Select(f => f.NotificationId).ShouldBe([old.Done]);
        notificationsOnly.FeedItems.ShouldBe(0);

        var feedOnly = await Retention(s).PurgeExpiredAsync(Cutoffs(Then.AddDays(-1), Now.AddDays(-30)), None);

        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).ShouldBeEmpty();
        (await s.Feed.GetFeedAsync(Environments.Default, "u2", false, 10, null, None)).Select(f => f.NotificationId).ShouldBe([recent.Done]);
        (await s.Queries.GetNotificationAsync(recent.Done, None))!.Status.ShouldBe(NotificationStatus.Completed);
        feedOnly.FeedItems.ShouldBe(1);
        feedOnly.Notifications.ShouldBe(0);
    }

    [Fact]
    public async Task PurgeExpiredAsync_TerminalButChangedWithinRetention_Stays()
    {
        await using var s = await OpenAsync();
        await PrepareMonthAsync(s, Then);
        var old = await SeedOldMonthAsync(s, Then);
        // The old unsent SMS is sent within the retention: the notification finished recently, so it is not old yet.
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-b", 10, DispatchSamples.Gate(), None);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed[0], "lane-b") with { StartedAt = Now, FinishedAt = Now }], Now, None)).ShouldBe([true]);

        await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Now.AddDays(-90)), None);

        (await s.Queries.GetNotificationAsync(old.Unsent, None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Queries.GetDeliveryAsync(old.UnsentDelivery, None))!.Status.ShouldBe(DeliveryStatus.Sent);
        (await s.Queries.GetNotificationAsync(old.Done, None)).ShouldBeNull();
    }

    [Fact]
    public async Task PurgeExpiredAsync_OldOutboxMessages_RemovedUnlessTheirDeliveryIsPending()
    {
        await using var s = await OpenAsync();
        await PrepareMonthAsync(s, Then);
        var old = await SeedOldMonthAsync(s, Then);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Then, Then + Lease, "lane-b", 10, DispatchSamples.Gate(), None);
        claimed.Select(d => d.Id).ShouldBe([old.UnsentDelivery]);
        // The SMS reached the capture outbox and then its sender died: the delivery stays in doubt (sending), so its message stays.
        foreach (var delivery in new[] { old.DoneDelivery, old.UnsentDelivery, "dlv_gone" })
        {
            await s.Outbox.InsertOutboxAsync(new OutboxMessage(0, delivery, Channel.Sms, "capture", "u1", "+15550100", "{}", Then), None);
        }

        var removed = await Retention(s).PurgeExpiredAsync(Cutoffs(Now.AddDays(-90), Now.AddDays(-90)), None);

        (await s.Outbox.ListOutboxAsync(null, "u1", 10, null, None)).Select(m => m.DeliveryId).ShouldBe([old.UnsentDelivery]);
        removed.OutboxMessages.ShouldBe(2);
        (await s.Queries.GetDeliveryAsync(old.UnsentDelivery, None))!.Status.ShouldBe(DeliveryStatus.Sending);
    }

    private static Notification Notification(string id, DateTimeOffset created, DateTimeOffset due, string user, string status = NotificationStatus.Accepted) =>
        new(id, "order.shipped", user, Priority.Normal, status, "order_shipped", 1, null, "{}", null, null, due, created);

    private static Delivery Delivery(string id, string notificationId, Channel channel, DateTimeOffset at, string user) =>
        new(id, notificationId, user, "order.shipped", channel, Priority.Normal, "target-" + id, null, null, DeliveryStatus.Queued, 0, null,
            "{\"body\":\"" + id + "\"}", "hash-" + id, at, null, null, at, at);
}

public sealed class SqliteRetentionTests : RetentionContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresRetentionTests : RetentionContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();

    protected override async Task PrepareMonthAsync(StoreHandle s, DateTimeOffset month)
    {
        await using var c = await s.Postgres!.OpenAsync(CancellationToken.None);
        foreach (var (table, prefix) in new[] { ("notifications", "ntf"), ("deliveries", "ntf"), ("trace", "ntf"), ("feed", "ntf"), ("attempts", "dlv") })
        {
            var start = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
            var name = $"{table}_{start:yyyyMM}";
            // DDL takes no parameters: the bounds are literals.
            await using var create = new Npgsql.NpgsqlCommand(
                $"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM (herald_id_bound('{prefix}', '{start:yyyy-MM-dd}Z')) TO (herald_id_bound('{prefix}', '{start.AddMonths(1):yyyy-MM-dd}Z'))", c);
            await create.ExecuteNonQueryAsync();
        }
    }
}
