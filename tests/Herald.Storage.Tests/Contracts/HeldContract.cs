using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Webhook deliveries held for a disabled endpoint: released, expired, failed with their endpoint, and recovered by range.</summary>
public abstract class HeldContract
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan HoldFor = TimeSpan.FromDays(14);

    /// <summary>Real time: notification ids are UUIDv7 and PostgreSQL keeps partitions around now.</summary>
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    protected abstract Task<StoreHandle> OpenAsync();

    private static WebhookEndpoint Endpoint(string id, bool enabled = true) =>
        new(id, "u1", "https://hooks.example/" + id, "secret-" + id, [], null, enabled, enabled ? null : "disabled by an operator", null, Now);

    private static Delivery Webhook(string id, string notificationId, string endpoint, string status, DateTimeOffset due, DateTimeOffset? at = null) =>
        DispatchSamples.Delivery(id, notificationId, due, Channel.Webhook, target: "https://hooks.example/" + endpoint) with
        {
            TargetRef = endpoint, Status = status, CreatedAt = at ?? Now, UpdatedAt = at ?? Now,
        };

    /// <summary>One notification accepted at <paramref name="at"/> (its UUIDv7 id says so) with one webhook delivery.</summary>
    private static async Task<string> SeedAsync(StoreHandle s, string deliveryId, string endpoint, string status, DateTimeOffset at, DateTimeOffset? due = null)
    {
        var notificationId = Ids.New("ntf", at);
        await DispatchSamples.SeedAsync(s, notificationId, [Webhook(deliveryId, notificationId, endpoint, status, due ?? at, at)]);
        return notificationId;
    }

    private static async Task<string> StatusAsync(StoreHandle s, string deliveryId) => (await DispatchSamples.GetAsync(s, deliveryId)).Status;

    [Fact]
    public async Task ReleaseHeldAsync_OneEndpoint_QueuesItsHeldInDueOrderExpiresTheTooOldLeavesOthersHeld()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_2"), None);
        await SeedAsync(s, "dlv_late", "whe_1", DeliveryStatus.Held, Now.AddMinutes(-1));
        await SeedAsync(s, "dlv_early", "whe_1", DeliveryStatus.Held, Now.AddMinutes(-2));
        var old = await SeedAsync(s, "dlv_old", "whe_1", DeliveryStatus.Held, Now - HoldFor - TimeSpan.FromHours(1));
        await SeedAsync(s, "dlv_other", "whe_2", DeliveryStatus.Held, Now.AddMinutes(-3));

        var released = await s.Endpoints.ReleaseHeldAsync("whe_1", Now - HoldFor, Now, None);

        released.ShouldBe(2);
        (await StatusAsync(s, "dlv_old")).ShouldBe(DeliveryStatus.Expired);
        (await s.Queries.GetNotificationAsync(old, None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await StatusAsync(s, "dlv_other")).ShouldBe(DeliveryStatus.Held);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Webhook, Priority.Normal, Now, Now + DispatchSamples.Lease, "lane-a", 10, DispatchSamples.Gate(), None);
        claimed.Select(d => d.Id).ShouldBe(["dlv_early", "dlv_late"]);
        (await s.Endpoints.ReleaseHeldAsync("whe_1", Now - HoldFor, Now, None)).ShouldBe(0);
    }

    [Fact]
    public async Task ReleaseHeldAsync_AllEndpoints_KeepsDisabledHeldFailsDeletedReleasesEnabled()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_on"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_off", enabled: false), None);
        await s.Endpoints.DisableEndpointAsync(Environments.Default, "whe_off", "disabled by an operator", None);
        var gone = await SeedAsync(s, "dlv_gone", "whe_gone", DeliveryStatus.Held, Now.AddMinutes(-1));
        var waiting = await SeedAsync(s, "dlv_off", "whe_off", DeliveryStatus.Held, Now.AddMinutes(-1));
        await SeedAsync(s, "dlv_on", "whe_on", DeliveryStatus.Held, Now.AddMinutes(-1));

        var released = await s.Endpoints.ReleaseHeldAsync(null, Now - HoldFor, Now, None);

        released.ShouldBe(1);
        (await StatusAsync(s, "dlv_on")).ShouldBe(DeliveryStatus.Queued);
        (await StatusAsync(s, "dlv_off")).ShouldBe(DeliveryStatus.Held);
        (await s.Queries.GetNotificationAsync(waiting, None))!.Status.ShouldBe(NotificationStatus.Processing);
        var failed = await DispatchSamples.GetAsync(s, "dlv_gone");
        failed.Status.ShouldBe(DeliveryStatus.Failed);
        failed.LastError.ShouldBe("webhook endpoint was deleted");
        (await s.Queries.GetNotificationAsync(gone, None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task RecoverAsync_Range_RequeuesOnlyUnsentOfThatEndpointInRangeAndOnlyOnce()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_2"), None);
        var since = Now.AddHours(-2);
        var until = Now.AddHours(-1);
        var failed = await SeedAsync(s, "dlv_failed", "whe_1", DeliveryStatus.Failed, since);
        await SeedAsync(s, "dlv_dead", "whe_1", DeliveryStatus.Dead, since.AddMinutes(30));
        await SeedAsync(s, "dlv_held", "whe_1", DeliveryStatus.Held, since.AddMinutes(40));
        await SeedAsync(s, "dlv_sent", "whe_1", DeliveryStatus.Sent, since.AddMinutes(45));
        await SeedAsync(s, "dlv_before", "whe_1", DeliveryStatus.Failed, since.AddMilliseconds(-1));
        await SeedAsync(s, "dlv_at_until", "whe_1", DeliveryStatus.Dead, until);
        await SeedAsync(s, "dlv_other", "whe_2", DeliveryStatus.Failed, since.AddMinutes(10));

        var recovered = await s.Endpoints.RecoverAsync("whe_1", since, until, Now, None);

        recovered.ShouldBe(3);
        foreach (var id in new[] { "dlv_failed", "dlv_dead", "dlv_held" })
        {
            (await StatusAsync(s, id)).ShouldBe(DeliveryStatus.Queued);
        }

        (await StatusAsync(s, "dlv_sent")).ShouldBe(DeliveryStatus.Sent);
        (await StatusAsync(s, "dlv_before")).ShouldBe(DeliveryStatus.Failed);
        (await StatusAsync(s, "dlv_at_until")).ShouldBe(DeliveryStatus.Dead);
        (await StatusAsync(s, "dlv_other")).ShouldBe(DeliveryStatus.Failed);
        (await s.Queries.GetNotificationAsync(failed, None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Endpoints.RecoverAsync("whe_1", since, until, Now, None)).ShouldBe(0);
    }
}

public sealed class SqliteHeldTests : HeldContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresHeldTests : HeldContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
