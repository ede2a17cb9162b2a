using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Notifications and deliveries for the ingest, plan and query contracts, and a way to seed them planned.</summary>
internal static class NotificationSamples
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    public static Notification Notification(string id, DateTimeOffset? due = null, string recipient = "u1", Priority priority = Priority.Normal,
        string? key = null, string status = NotificationStatus.Accepted) =>
        new(id, "order.shipped", recipient, priority, status, "order_shipped", 1, null, "{}", key, null, due ?? Now, Now);

    public static Delivery Delivery(string id, string notificationId, Channel channel = Channel.Sms, string recipient = "u1",
        string status = DeliveryStatus.Queued, string? target = null, DateTimeOffset? created = null) =>
        new(id, notificationId, recipient, "order.shipped", channel, Priority.Normal, target ?? "target-" + id, null, null, status, 0, null,
            "{\"body\":\"" + id + "\"}", "hash-" + id, Now, null, null, created ?? Now, created ?? Now);

    public static TraceEntry Trace(string notificationId, string decision, string reason = "because") =>
        new(notificationId, Now, "plan", "sms", decision, reason);

    /// <summary>Accepts, claims and plans one notification with the given deliveries; the notification ends in <paramref name="status"/>.</summary>
    public static async Task SeedPlannedAsync(StoreHandle s, string notificationId, IReadOnlyList<Delivery> deliveries, string status = NotificationStatus.Processing,
        string recipient = "u1")
    {
        await s.Ingest.AcceptAsync([new IngestItem([Notification(notificationId, recipient: recipient)], null)], Now, CancellationToken.None);
        var claimed = await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None);
        claimed.Select(n => n.Id).ShouldBe([notificationId]);
        await s.Plans.CompletePlanningAsync([new PlanResult(notificationId, deliveries, [Trace(notificationId, "planned")], status)], Now, CancellationToken.None);
    }
}
