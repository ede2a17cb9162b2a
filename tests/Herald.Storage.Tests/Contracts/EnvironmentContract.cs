using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Apps and environments, and the isolation of what the notification stores keep per environment: idempotency keys,
/// listing and search, dead letters and analytics. Same ids in two environments, one used, the other untouched.
/// </summary>
public abstract class EnvironmentContract
{
    private const string Other = "env_other";

    protected abstract Task<StoreHandle> OpenAsync();

    private static async Task<IAppStore> WithOtherEnvironmentAsync(StoreHandle s)
    {
        var apps = s.Port<IAppStore>();
        (await apps.CreateAppAsync(new App("app_other", "other", Now), CancellationToken.None)).ShouldBeTrue();
        (await apps.CreateEnvironmentAsync(new AppEnvironment(Other, "app_other", "production", Now), CancellationToken.None)).ShouldBeTrue();
        return apps;
    }

    [Fact]
    public async Task Initialize_FreshStore_HasTheDefaultAppAndEnvironment()
    {
        await using var s = await OpenAsync();
        var apps = s.Port<IAppStore>();

        var env = await apps.GetEnvironmentAsync(Environments.Default, CancellationToken.None);

        env.ShouldNotBeNull();
        env.AppId.ShouldBe("app_default");
        (await apps.GetAppAsync("app_default", CancellationToken.None))!.Name.ShouldBe("default");
        (await apps.ListEnvironmentsAsync(null, CancellationToken.None)).Select(e => e.Id).ShouldBe([Environments.Default]);
    }

    [Fact]
    public async Task Create_DuplicateNamesAndMissingApp_FalseAndNothingStored()
    {
        await using var s = await OpenAsync();
        var apps = await WithOtherEnvironmentAsync(s);

        (await apps.CreateAppAsync(new App("app_dup", "other", Now), CancellationToken.None)).ShouldBeFalse();
        (await apps.CreateEnvironmentAsync(new AppEnvironment("env_dup", "app_other", "production", Now), CancellationToken.None)).ShouldBeFalse();
        (await apps.CreateEnvironmentAsync(new AppEnvironment("env_orphan", "app_missing", "production", Now), CancellationToken.None)).ShouldBeFalse();
        // The same environment name in another app is another environment.
        (await apps.CreateEnvironmentAsync(new AppEnvironment("env_default_prod", "app_default", "production", Now), CancellationToken.None)).ShouldBeTrue();

        (await apps.GetAppAsync("app_dup", CancellationToken.None)).ShouldBeNull();
        (await apps.GetEnvironmentAsync("env_dup", CancellationToken.None)).ShouldBeNull();
        (await apps.GetEnvironmentAsync("env_orphan", CancellationToken.None)).ShouldBeNull();
        (await apps.ListAppsAsync(CancellationToken.None)).Select(a => a.Id).ShouldBe(["app_default", "app_other"], ignoreOrder: true);
        (await apps.ListEnvironmentsAsync("app_other", CancellationToken.None)).Select(e => e.Id).ShouldBe([Other]);
        (await apps.ListEnvironmentsAsync("app_default", CancellationToken.None)).Select(e => e.Id).ShouldBe([Environments.Default, "env_default_prod"], ignoreOrder: true);
    }

    [Fact]
    public async Task AcceptAsync_SameIdempotencyKeyInTwoEnvironments_BothTakenEachReadsItsOwn()
    {
        await using var s = await OpenAsync();
        var a = new IdempotencyRecord("k1", "hash-a", 202, "{\"id\":\"ntf_a\"}", Now);
        var b = new IdempotencyRecord("k1", "hash-b", 202, "{\"id\":\"ntf_b\"}", Now) { EnvironmentId = Other };

        var accepted = await s.Ingest.AcceptAsync(
            [new IngestItem([Notification("ntf_a", key: "k1")], a), new IngestItem([Notification("ntf_b", key: "k1") with { EnvironmentId = Other }], b)],
            Now, CancellationToken.None);

        accepted.ShouldBe([true, true]);
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None))!.RequestHash.ShouldBe("hash-a");
        (await s.Ingest.GetIdempotencyAsync(Other, "k1", CancellationToken.None)).ShouldBe(b);
        (await s.Ingest.GetIdempotencyAsync("env_none", "k1", CancellationToken.None)).ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_b", CancellationToken.None))!.EnvironmentId.ShouldBe(Other);
        (await s.Queries.GetNotificationAsync("ntf_a", CancellationToken.None))!.EnvironmentId.ShouldBe(Environments.Default);

        // Taken again in one of them: refused there only.
        (await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_c") with { EnvironmentId = Other }], b with { RequestHash = "again" })], Now, CancellationToken.None))
            .ShouldBe([false]);
    }

    [Fact]
    public async Task SearchNotificationsAsync_SameRecipientInTwoEnvironments_EachListsOnlyItsOwn()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1"), Notification("ntf_2") with { EnvironmentId = Other }, Notification("ntf_3")], null)],
            Now, CancellationToken.None);

        (await s.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_3", "ntf_1"]);
        (await s.Queries.ListNotificationsAsync(Other, "u1", null, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_2"]);
        (await s.Queries.ListNotificationsAsync(Other, null, NotificationStatus.Accepted, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_2"]);
        (await s.Queries.SearchNotificationsAsync(new NotificationSearch(Other, EventType: "order.shipped"), 10, null, CancellationToken.None))
            .Select(n => n.Id).ShouldBe(["ntf_2"]);
        (await s.Queries.SearchNotificationsAsync(new NotificationSearch("env_none"), 10, null, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListDeadLettersAsync_DeadInTwoEnvironments_EachListsOnlyItsOwn()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1"), Notification("ntf_2") with { EnvironmentId = Other }], null)], Now, CancellationToken.None);
        var claimed = await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None);
        claimed.Single(n => n.Id == "ntf_2").EnvironmentId.ShouldBe(Other);
        await s.Plans.CompletePlanningAsync(
            [
                new PlanResult("ntf_1", [Delivery("dlv_1", "ntf_1", status: DeliveryStatus.Dead)], [], NotificationStatus.Processing),
                new PlanResult("ntf_2", [Delivery("dlv_2", "ntf_2", status: DeliveryStatus.Dead)], [], NotificationStatus.Processing),
            ], Now, CancellationToken.None);

        (await s.Queries.ListDeadLettersAsync(Environments.Default, 10, null, null, CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_1"]);
        (await s.Queries.ListDeadLettersAsync(Other, 10, null, null, CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_2"]);
    }

    [Fact]
    public async Task SummarizeAsync_DeliveriesInTwoEnvironments_EachCountsOnlyItsOwn()
    {
        await using var s = await OpenAsync();
        var n1 = Ids.New("ntf", TimeProvider.System);
        var n2 = Ids.New("ntf", TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        await s.Ingest.AcceptAsync([new IngestItem([Notification(n1) with { CreatedAt = now }, Notification(n2) with { EnvironmentId = Other, CreatedAt = now }], null)],
            now, CancellationToken.None);
        await s.Plans.ClaimForPlanningAsync(Priority.Normal, now.AddMinutes(1), now.AddMinutes(2), 10, CancellationToken.None);
        await s.Plans.CompletePlanningAsync(
            [
                new PlanResult(n1, [Delivery("dlv_1", n1), Delivery("dlv_3", n1, Channel.Email)], [], NotificationStatus.Processing),
                new PlanResult(n2, [Delivery("dlv_2", n2)], [], NotificationStatus.Processing),
            ], now, CancellationToken.None);

        var mine = await s.Analytics.SummarizeAsync(Environments.Default, now.AddMinutes(-1), now.AddMinutes(1), AnalyticsGrouping.Channel, CancellationToken.None);
        var theirs = await s.Analytics.SummarizeAsync(Other, now.AddMinutes(-1), now.AddMinutes(1), AnalyticsGrouping.Channel, CancellationToken.None);

        mine.Total.Counts.Total.ShouldBe(2);
        theirs.Total.Counts.Total.ShouldBe(1);
    }

    [Fact]
    public async Task InsertApiKeyAsync_WithEnvironment_RoundTripsIt()
    {
        await using var s = await OpenAsync();
        await WithOtherEnvironmentAsync(s);
        var key = new ApiKey("key_1", "hash-1", ["notifications:send"], Now) { Name = "n", Prefix = "hk_abcd", EnvironmentId = Other };

        await s.ApiKeys.InsertApiKeyAsync(key, CancellationToken.None);

        (await s.ApiKeys.GetApiKeyAsync("key_1", CancellationToken.None))!.EnvironmentId.ShouldBe(Other);
        (await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None))!.EnvironmentId.ShouldBe(Other);
    }
}

public sealed class SqliteEnvironmentTests : EnvironmentContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresEnvironmentTests : EnvironmentContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
