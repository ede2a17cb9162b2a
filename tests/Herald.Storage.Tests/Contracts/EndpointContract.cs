using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Webhook endpoints: registration, and the failing streak completions record (disable after 5 days, or at once).</summary>
public abstract class EndpointContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static WebhookEndpoint Endpoint(string id, string? recipient = "u1", DateTimeOffset? created = null) =>
        new(id, recipient, "https://hooks.example/" + id, "secret-" + id, ["order.*", "invoice.paid"], "desc " + id, true, null, null, created ?? Now);

    private int _deliveries;

    /// <summary>Completes one fresh webhook delivery at <paramref name="at"/> carrying <paramref name="result"/>.</summary>
    private async Task ReportAsync(StoreHandle s, WebhookEndpointResult result, DateTimeOffset at)
    {
        var claimed = await DispatchSamples.SeedClaimedAsync(s, $"dlv_{++_deliveries}", Channel.Webhook);
        var completion = DispatchSamples.Sent(claimed, "lane-a") with
        {
            Status = result.Succeeded ? DeliveryStatus.Sent : DeliveryStatus.Failed, EndpointResult = result,
        };
        (await s.Dispatch.CompleteAsync([completion], at, None)).ShouldBe([true]);
    }

    [Fact]
    public async Task InsertEndpointAsync_RoundTripsEnabled()
    {
        await using var s = await OpenAsync();

        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);

        var stored = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        stored.ShouldNotBeNull();
        stored.EventTypes.ShouldBe(["order.*", "invoice.paid"]);
        var expected = Endpoint("whe_1");
        (stored with { EventTypes = expected.EventTypes }).ShouldBe(expected);
        (await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_unknown", None)).ShouldBeNull();
    }

    [Fact]
    public async Task GetEndpointsAsync_SeveralIds_FoundOnesKeyedById_UnknownAndRepeatedIdsHarmless()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_2", recipient: "u2"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_3"), None);
        await s.Endpoints.DisableEndpointAsync(Environments.Default, "whe_3", "paused", None);

        var found = await s.Endpoints.GetEndpointsAsync(Environments.Default, ["whe_1", "whe_2", "whe_3", "whe_1", "whe_gone", "it's \"odd\" \u00e9"], None);

        found.Keys.ShouldBe(["whe_1", "whe_2", "whe_3"], ignoreOrder: true);
        var single = (await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_2", None))!;
        found["whe_2"].EventTypes.ShouldBe(single.EventTypes);
        (found["whe_2"] with { EventTypes = single.EventTypes }).ShouldBe(single, "the same row as read alone");
        found["whe_3"].Enabled.ShouldBeFalse();
        found["whe_3"].DisabledReason.ShouldBe("paused");
        (await s.Endpoints.GetEndpointsAsync(Environments.Default, [], None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetEndpointsForRecipientAsync_OldestFirstOnlyThatRecipient()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_b", created: Now.AddMinutes(1)), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_c", created: Now), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_a", created: Now.AddMinutes(1)), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_x", recipient: "u2"), None);

        var list = await s.Endpoints.GetEndpointsForRecipientAsync(Environments.Default, "u1", None);

        list.Select(e => e.Id).ShouldBe(["whe_c", "whe_a", "whe_b"]);
        (await s.Endpoints.GetEndpointsForRecipientAsync(Environments.Default, "nobody", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task InsertEndpointAsync_WithoutRecipient_RoundTripsAsOperational()
    {
        await using var s = await OpenAsync();

        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_ops", recipient: null), None);

        var stored = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_ops", None);
        stored.ShouldNotBeNull();
        stored.RecipientId.ShouldBeNull();
        stored.Enabled.ShouldBeTrue();
        (await s.Endpoints.GetEndpointsForRecipientAsync(Environments.Default, "u1", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetOperationalEndpointsAsync_EnabledRecipientLessOnly_MatchByEventType()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_cust"), None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_ops_b", recipient: null, created: Now.AddMinutes(1)) with { EventTypes = ["delivery.*"] }, None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_ops_a", recipient: null, created: Now) with { EventTypes = ["notification.accepted"] }, None);
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_ops_off", recipient: null) with { EventTypes = ["delivery.*"] }, None);
        await ReportAsync(s, new WebhookEndpointResult("whe_ops_off", false, true, "HTTP 410 Gone"), Now);

        var list = await s.Endpoints.GetOperationalEndpointsAsync(Environments.Default, None);

        list.Select(e => e.Id).ShouldBe(["whe_ops_a", "whe_ops_b"]);
        list.Where(e => EndpointSubscription.Matches(e, "delivery.sent")).Select(e => e.Id).ShouldBe(["whe_ops_b"]);
        list.Where(e => EndpointSubscription.Matches(e, "notification.accepted")).Select(e => e.Id).ShouldBe(["whe_ops_a"]);
        list.Where(e => EndpointSubscription.Matches(e, "endpoint.disabled")).ShouldBeEmpty();
        (await s.Endpoints.GetEndpointsForRecipientAsync(Environments.Default, "u1", None)).Select(e => e.Id).ShouldBe(["whe_cust"]);
    }

    [Fact]
    public async Task CompleteAsync_WithLifecycleEvent_InsertsItOnlyWhenTheCompletionApplies()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_evt", Channel.Webhook);
        static Notification Event(string id) => new(id, "delivery.sent", "_ops", Priority.Normal, NotificationStatus.Accepted, "_lifecycle", null,
            [Channel.Webhook], "{\"type\":\"delivery.sent\"}", null, null, Now, Now);

        var first = await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { LifecycleEvent = Event("ntf_evt_1") }], Now, None);
        var again = await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { LifecycleEvent = Event("ntf_evt_2") }], Now, None);

        first.ShouldBe([true]);
        again.ShouldBe([false]);
        var stored = await s.Queries.GetNotificationAsync("ntf_evt_1", None);
        stored.ShouldNotBeNull();
        stored.RecipientId.ShouldBe("_ops");
        stored.Channels.ShouldBe([Channel.Webhook]);
        (await s.Queries.GetNotificationAsync("ntf_evt_2", None)).ShouldBeNull();
    }

    [Fact]
    public async Task CompleteAsync_DisabledEvent_InsertedOnlyByTheCommitThatDisables()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        static Notification Event(string id) => new(id, "endpoint.disabled", "_ops", Priority.Low, NotificationStatus.Accepted, "_lifecycle", null,
            [Channel.Webhook], "{}", null, null, Now, Now);

        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 500", Event("ntf_dis_1")), Now);
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, true, "HTTP 410 Gone", Event("ntf_dis_2")), Now.AddMinutes(1));
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, true, "HTTP 410 Gone", Event("ntf_dis_3")), Now.AddMinutes(2));

        (await s.Queries.GetNotificationAsync("ntf_dis_1", None)).ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_dis_2", None))!.EventType.ShouldBe("endpoint.disabled");
        (await s.Queries.GetNotificationAsync("ntf_dis_3", None)).ShouldBeNull();
    }

    [Fact]
    public async Task DeleteEndpointAsync_TrueOnceThenFalse()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);

        (await s.Endpoints.DeleteEndpointAsync(Environments.Default, "whe_1", None)).ShouldBeTrue();
        (await s.Endpoints.DeleteEndpointAsync(Environments.Default, "whe_1", None)).ShouldBeFalse();
        (await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None)).ShouldBeNull();
    }

    [Fact]
    public async Task CompleteAsync_FailingLongerThanDisableAfter_DisablesEndpoint()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);

        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 500"), Now);
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 502"), Now.AddDays(4));
        var failing = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 503"), Now.AddDays(5));

        failing!.Enabled.ShouldBeTrue();
        failing.FailingSince.ShouldBe(Now);
        var disabled = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        disabled!.Enabled.ShouldBeFalse();
        disabled.DisabledReason.ShouldBe("failing continuously since more than 120 h; last: HTTP 503");
        disabled.FailingSince.ShouldBe(Now);
    }

    [Fact]
    public async Task CompleteAsync_SuccessAfterFailures_ClearsStreak()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 500"), Now);

        await ReportAsync(s, new WebhookEndpointResult("whe_1", true, false, null), Now.AddDays(4));
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, false, "HTTP 500"), Now.AddDays(6));

        var stored = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        stored!.Enabled.ShouldBeTrue();
        stored.FailingSince.ShouldBe(Now.AddDays(6));
    }

    [Fact]
    public async Task CompleteAsync_DisableNow_DisablesAtOnceThenEnableRestores()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);

        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, true, "HTTP 410 Gone"), Now);

        var disabled = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        disabled!.Enabled.ShouldBeFalse();
        disabled.DisabledReason.ShouldBe("HTTP 410 Gone");
        disabled.FailingSince.ShouldBe(Now);

        (await s.Endpoints.EnableEndpointAsync(Environments.Default, "whe_1", None)).ShouldBeTrue();
        var enabled = await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None);
        enabled!.Enabled.ShouldBeTrue();
        enabled.DisabledReason.ShouldBeNull();
        enabled.FailingSince.ShouldBeNull();
        (await s.Endpoints.EnableEndpointAsync(Environments.Default, "whe_unknown", None)).ShouldBeFalse();
    }

    [Fact]
    public async Task DisableEndpointAsync_ByHand_KeepsTheReason_ListPagesById()
    {
        await using var s = await OpenAsync();
        foreach (var id in new[] { "whe_2", "whe_1", "whe_3" })
        {
            await s.Endpoints.InsertEndpointAsync(Endpoint(id), None);
        }

        (await s.Endpoints.DisableEndpointAsync(Environments.Default, "whe_2", "disabled by an operator", None)).ShouldBeTrue();
        (await s.Endpoints.DisableEndpointAsync(Environments.Default, "whe_unknown", "x", None)).ShouldBeFalse();

        var disabled = (await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_2", None))!;
        disabled.Enabled.ShouldBeFalse();
        disabled.DisabledReason.ShouldBe("disabled by an operator");
        var page1 = await s.Endpoints.ListEndpointsAsync(Environments.Default, 2, null, None);
        page1.Select(e => e.Id).ShouldBe(["whe_1", "whe_2"]);
        (await s.Endpoints.ListEndpointsAsync(Environments.Default, 2, page1[^1].Id, None)).Select(e => e.Id).ShouldBe(["whe_3"]);
    }

    [Fact]
    public async Task CompleteAsync_DisabledEndpointFailsAgain_KeepsFirstReason()
    {
        await using var s = await OpenAsync();
        await s.Endpoints.InsertEndpointAsync(Endpoint("whe_1"), None);
        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, true, "HTTP 410 Gone"), Now);

        await ReportAsync(s, new WebhookEndpointResult("whe_1", false, true, "HTTP 404"), Now.AddMinutes(1));

        (await s.Endpoints.GetEndpointAsync(Environments.Default, "whe_1", None))!.DisabledReason.ShouldBe("HTTP 410 Gone");
    }
}

public sealed class SqliteEndpointTests : EndpointContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresEndpointTests : EndpointContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
