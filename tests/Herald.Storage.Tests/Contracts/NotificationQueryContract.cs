using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Reading notifications, deliveries and trace; listing with cursors; cancelling; the dead-letter list.</summary>
public abstract class NotificationQueryContract
{
    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task GetNotificationAsync_Unknown_ReturnsNull()
    {
        await using var s = await OpenAsync();

        (await s.Queries.GetNotificationAsync("ntf_x", CancellationToken.None)).ShouldBeNull();
        (await s.Queries.GetDeliveriesAsync("ntf_x", CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.GetTraceAsync("ntf_x", CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.GetDeliveryAsync("dlv_x", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task GetDeliveriesAsync_OrderedByCreationThenId()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1",
        [
            Delivery("dlv_c", "ntf_1", Channel.Sms),
            Delivery("dlv_b", "ntf_1", Channel.Email, created: Now.AddSeconds(1)),
            Delivery("dlv_a", "ntf_1", Channel.Push, created: Now.AddSeconds(1)),
        ]);
        await SeedPlannedAsync(s, "ntf_2", [Delivery("dlv_0", "ntf_2")]);

        var deliveries = await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None);

        deliveries.Select(d => d.Id).ShouldBe(["dlv_c", "dlv_a", "dlv_b"]);
    }

    [Fact]
    public async Task GetDeliveryAsync_RoundTripsEveryField()
    {
        await using var s = await OpenAsync();
        var push = Delivery("dlv_1", "ntf_1", Channel.Push) with
        {
            TargetRef = "dev_1",
            Provider = "fcm",
            LastError = "earlier",
            Platform = "android",
            Priority = Priority.Urgent,
            DueAt = Now.AddMinutes(3),
        };
        await SeedPlannedAsync(s, "ntf_1", [push]);

        (await s.Queries.GetDeliveryAsync("dlv_1", CancellationToken.None)).ShouldBe(push);
    }

    [Fact]
    public async Task GetTraceAsync_InWriteOrder()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1")], null)], Now, CancellationToken.None);
        await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None);
        TraceEntry[] trace =
        [
            new("ntf_1", Now.AddSeconds(2), "plan", null, "b", "second at a later time"),
            new("ntf_1", Now, "plan", "email", "a", "third at an earlier time"),
            new("ntf_1", Now.AddSeconds(1), "plan", "sms", "c", "fourth"),
        ];

        await s.Plans.CompletePlanningAsync([new PlanResult("ntf_1", [], [new TraceEntry("ntf_1", Now, "plan", null, "first", "one")], NotificationStatus.Completed)], Now, CancellationToken.None);
        await s.Plans.AddDeliveriesAsync("ntf_1", [], trace, Now, CancellationToken.None);

        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).ShouldBe([new TraceEntry("ntf_1", Now, "plan", null, "first", "one"), .. trace]);
    }

    [Fact]
    public async Task ListNotificationsAsync_NewestFirstWithCursorPaging()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([.. Enumerable.Range(1, 5).Select(i => Notification($"ntf_{i}"))], null)], Now, CancellationToken.None);

        var page1 = await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 2, null, CancellationToken.None);
        var page2 = await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 2, page1[^1].Id, CancellationToken.None);
        var page3 = await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 2, page2[^1].Id, CancellationToken.None);

        page1.Select(n => n.Id).ShouldBe(["ntf_5", "ntf_4"]);
        page2.Select(n => n.Id).ShouldBe(["ntf_3", "ntf_2"]);
        page3.Select(n => n.Id).ShouldBe(["ntf_1"]);
        (await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 2, "ntf_1", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListNotificationsAsync_FiltersByRecipientAndStatus()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem(
        [
            Notification("ntf_1", recipient: "u1"),
            Notification("ntf_2", recipient: "u2"),
            Notification("ntf_3", recipient: "u1", status: NotificationStatus.Scheduled),
            Notification("ntf_4", recipient: "u1"),
        ], null)], Now, CancellationToken.None);

        (await s.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_4", "ntf_3", "ntf_1"]);
        (await s.Queries.ListNotificationsAsync(Environments.Default, null, NotificationStatus.Accepted, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_4", "ntf_2", "ntf_1"]);
        (await s.Queries.ListNotificationsAsync(Environments.Default, "u1", NotificationStatus.Accepted, 10, "ntf_4", CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_1"]);
        (await s.Queries.ListNotificationsAsync(Environments.Default, "u3", null, 10, null, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SearchNotificationsAsync_FiltersByEventTypeAndTimeRange_PagesWithinTheRange()
    {
        await using var s = await OpenAsync();
        var at = (int minute) => Now.AddMinutes(minute);
        var ids = Enumerable.Range(0, 6).Select(i => Herald.Core.Pipeline.Ids.New("ntf", at(i * 10))).ToArray();
        await s.Ingest.AcceptAsync([new IngestItem(
        [
            .. ids.Select((id, i) => Notification(id) with { EventType = i % 2 == 0 ? "order.shipped" : "otp" }),
        ], null)], Now, CancellationToken.None);
        var from = NotificationSearch.IdBound(at(10), upper: false);
        var to = NotificationSearch.IdBound(at(40), upper: true);

        var window = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, FromId: from, ToId: to), 10, null, CancellationToken.None);
        var otp = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, EventType: "otp"), 10, null, CancellationToken.None);
        var page1 = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, FromId: from, ToId: to), 2, null, CancellationToken.None);
        var page2 = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, FromId: from, ToId: to), 2, page1[^1].Id, CancellationToken.None);
        var both = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, "u1", NotificationStatus.Accepted, "otp", from, to), 10, null, CancellationToken.None);

        window.Select(n => n.Id).ShouldBe([ids[4], ids[3], ids[2], ids[1]]);
        otp.Select(n => n.Id).ShouldBe([ids[5], ids[3], ids[1]]);
        page1.Select(n => n.Id).ShouldBe([ids[4], ids[3]]);
        page2.Select(n => n.Id).ShouldBe([ids[2], ids[1]]);
        both.Select(n => n.Id).ShouldBe([ids[3], ids[1]]);
    }

    [Fact]
    public async Task SearchNotificationsAsync_BoundsBefore1970_FromMatchesAllAndToMatchesNone()
    {
        await using var s = await OpenAsync();
        var id = Herald.Core.Pipeline.Ids.New("ntf", Now);
        await s.Ingest.AcceptAsync([new IngestItem([Notification(id)], null)], Now, CancellationToken.None);
        var before1970 = new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero);

        var since = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, FromId: NotificationSearch.IdBound(before1970, upper: false)), 10, null, CancellationToken.None);
        var until = await s.Queries.SearchNotificationsAsync(new NotificationSearch(Environments.Default, ToId: NotificationSearch.IdBound(before1970, upper: true)), 10, null, CancellationToken.None);

        since.Select(n => n.Id).ShouldBe([id]);
        until.ShouldBeEmpty();
    }

    [Fact]
    public async Task CancelNotificationAsync_Unknown_ReturnsNull()
    {
        await using var s = await OpenAsync();

        (await s.Queries.CancelNotificationAsync("ntf_x", Now, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task CancelNotificationAsync_NotYetPlanned_CancelledWithTrace()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1", status: NotificationStatus.Scheduled)], null)], Now, CancellationToken.None);

        (await s.Queries.CancelNotificationAsync("ntf_1", Now.AddSeconds(1), CancellationToken.None)).ShouldBe(true);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None))
            .ShouldBe([new TraceEntry("ntf_1", Now.AddSeconds(1), "api", null, "cancelled", "cancelled by request; 0 unsent deliveries cancelled")]);
        (await s.Queries.CancelNotificationAsync("ntf_1", Now.AddSeconds(2), CancellationToken.None)).ShouldBe(false);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).Count.ShouldBe(1);
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now.AddHours(1), Now.AddHours(2), 10, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CancelNotificationAsync_BeingPlanned_Cancelled()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1")], null)], Now, CancellationToken.None);
        await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None);

        (await s.Queries.CancelNotificationAsync("ntf_1", Now, CancellationToken.None)).ShouldBe(true);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
        (await s.Plans.ReleaseExpiredPlanningAsync(Now.AddHours(1), CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task CancelNotificationAsync_AllUnsentSettled_DeliveriesAndNotificationCancelled()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1",
        [
            Delivery("dlv_q", "ntf_1", Channel.Sms),
            Delivery("dlv_d", "ntf_1", Channel.Email, status: DeliveryStatus.Deferred),
            Delivery("dlv_r", "ntf_1", Channel.Push, status: DeliveryStatus.Retrying),
            Delivery("dlv_x", "ntf_1", Channel.Webhook, status: DeliveryStatus.Dead),
            Delivery("dlv_s", "ntf_1", Channel.InApp, status: DeliveryStatus.Sent),
        ]);

        (await s.Queries.CancelNotificationAsync("ntf_1", Now.AddSeconds(1), CancellationToken.None)).ShouldBe(true);

        var statuses = (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).ToDictionary(d => d.Id, d => d.Status);
        statuses.ShouldBe(new Dictionary<string, string>
        {
            ["dlv_q"] = DeliveryStatus.Cancelled,
            ["dlv_d"] = DeliveryStatus.Cancelled,
            ["dlv_r"] = DeliveryStatus.Cancelled,
            ["dlv_x"] = DeliveryStatus.Cancelled,
            ["dlv_s"] = DeliveryStatus.Sent,
        }, ignoreOrder: true);
        (await s.Queries.GetDeliveryAsync("dlv_q", CancellationToken.None))!.UpdatedAt.ShouldBe(Now.AddSeconds(1));
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None))[^1].Reason.ShouldBe("cancelled by request; 4 unsent deliveries cancelled");
        (await s.Queries.ListDeadLettersAsync(Environments.Default, 10, null, null, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CancelNotificationAsync_OneStillSending_NotificationKeepsProcessing()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1",
        [
            Delivery("dlv_q", "ntf_1", Channel.Sms),
            Delivery("dlv_s", "ntf_1", Channel.Email, status: DeliveryStatus.Sending),
        ]);

        (await s.Queries.CancelNotificationAsync("ntf_1", Now, CancellationToken.None)).ShouldBe(true);

        (await s.Queries.GetDeliveryAsync("dlv_q", CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Cancelled);
        (await s.Queries.GetDeliveryAsync("dlv_s", CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Sending);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
    }

    [Fact]
    public async Task CancelNotificationAsync_NothingLeftToCancel_ReturnsFalse()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1", [Delivery("dlv_s", "ntf_1", status: DeliveryStatus.Sent)], NotificationStatus.Completed);

        (await s.Queries.CancelNotificationAsync("ntf_1", Now.AddSeconds(1), CancellationToken.None)).ShouldBe(false);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).Select(t => t.Decision).ShouldBe(["planned"]);
    }

    [Fact]
    public async Task ListDeadLettersAsync_OnlyDead_ByIdWithCursor()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1",
        [
            Delivery("dlv_3", "ntf_1", Channel.Sms, status: DeliveryStatus.Dead),
            Delivery("dlv_1", "ntf_1", Channel.Email, status: DeliveryStatus.Dead),
            Delivery("dlv_2", "ntf_1", Channel.Push, status: DeliveryStatus.Failed),
        ]);
        await SeedPlannedAsync(s, "ntf_2", [Delivery("dlv_0", "ntf_2", status: DeliveryStatus.Dead)], recipient: "u2");

        var page1 = await s.Queries.ListDeadLettersAsync(Environments.Default, 2, null, null, CancellationToken.None);
        var page2 = await s.Queries.ListDeadLettersAsync(Environments.Default, 2, page1[^1].Id, null, CancellationToken.None);

        page1.Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1"]);
        page2.Select(d => d.Id).ShouldBe(["dlv_3"]);
        page2[0].ShouldBe(Delivery("dlv_3", "ntf_1", Channel.Sms, status: DeliveryStatus.Dead));
        (await s.Queries.ListDeadLettersAsync(Environments.Default, 2, "dlv_3", null, CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.ListDeadLettersAsync(Environments.Default, 10, null, Channel.Email, CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_1"]);
        (await s.Queries.ListDeadLettersAsync(Environments.Default, 10, null, Channel.Sms, CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_0", "dlv_3"]);
        (await s.Queries.ListDeadLettersAsync(Environments.Default, 10, null, Channel.Push, CancellationToken.None)).ShouldBeEmpty();
    }
}

public sealed class SqliteNotificationQueryTests : NotificationQueryContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresNotificationQueryTests : NotificationQueryContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
