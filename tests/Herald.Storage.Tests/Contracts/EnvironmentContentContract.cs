using Herald.Core.Campaigns;
using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Templates, digest rules and digests, campaigns, webhook endpoints and suppressions are one environment's: the same id
/// in two environments is two resources, and every port method used in one leaves the other's untouched.
/// </summary>
public abstract class EnvironmentContentContract
{
    private const string A = "env_a";
    private const string B = "env_b";
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task TemplateStore_SameIdInTwoEnvironments_VersionsPublishAndListsStaySeparate()
    {
        await using var s = await OpenAsync();
        var t = s.Templates;

        (await t.AddTemplateVersionAsync(A, "welcome", "a1", "{\"a\":1}", Now, None)).ShouldBe(1);
        (await t.AddTemplateVersionAsync(A, "welcome", "a2", "{\"a\":2}", Now, None)).ShouldBe(2);
        (await t.AddTemplateVersionAsync(B, "welcome", "b1", "{\"b\":1}", Now, None)).ShouldBe(1, "versions are numbered per environment");
        (await t.PublishTemplateAsync(A, "welcome", 2, Now, None)).ShouldBeTrue();
        (await t.PublishTemplateAsync(B, "welcome", 2, Now, None)).ShouldBeFalse("B has no version 2");

        (await t.GetLatestPublishedAsync(A, "welcome", None))!.Definition.ShouldBe("{\"a\":2}");
        (await t.GetLatestPublishedAsync(B, "welcome", None)).ShouldBeNull("A's publish left B's draft a draft");
        (await t.GetTemplateVersionAsync(B, "welcome", 1, None))!.Description.ShouldBe("b1");
        (await t.GetTemplateVersionAsync(A, "welcome", 1, None))!.Description.ShouldBe("a1");
        (await t.GetTemplateVersionsAsync(B, "welcome", None)).Select(v => v.Description).ShouldBe(["b1"]);
        (await t.ListLatestTemplatesAsync(A, None)).Select(v => (v.TemplateId, v.Version)).ShouldBe([("welcome", 2)]);
        (await t.ListLatestTemplatesAsync(B, None)).Select(v => (v.TemplateId, v.Version)).ShouldBe([("welcome", 1)]);
        (await t.ListLatestTemplatesAsync(Environments.Default, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task TemplatePromotion_LatestPublishedOfAnotherEnvironment_CopiedAsDraftTargetOnly()
    {
        await using var s = await OpenAsync();
        var t = s.Templates;
        var promotion = new TemplatePromotion(t, s.Port<IEnvironmentDirectory>(), TimeProvider.System);
        await t.AddTemplateVersionAsync(A, "welcome", "staged", "{\"v\":1}", Now, None);
        await t.PublishTemplateAsync(A, "welcome", 1, Now, None);
        await t.AddTemplateVersionAsync(A, "welcome", "unpublished", "{\"v\":2}", Now, None);
        await t.AddTemplateVersionAsync(Environments.Default, "welcome", "prod", "{\"prod\":1}", Now, None);

        var result = await promotion.PromoteAsync(A, "welcome", null, Environments.Default, None);

        result.Outcome.ShouldBe(TemplatePromotion.Outcome.Promoted);
        result.Source!.Version.ShouldBe(1, "the latest published version, not the newer draft");
        var copy = result.Copy!;
        (copy.Version, copy.Published, copy.Description, copy.Definition).ShouldBe((2, false, "staged", "{\"v\":1}"));
        (await t.GetTemplateVersionsAsync(Environments.Default, "welcome", None)).Select(v => v.Definition).ShouldBe(["{\"prod\":1}", "{\"v\":1}"]);
        (await t.GetTemplateVersionsAsync(A, "welcome", None)).Count.ShouldBe(2, "the source is unchanged");
    }

    [Fact]
    public async Task TemplatePromotion_UnknownTargetOrSource_NothingWritten()
    {
        await using var s = await OpenAsync();
        var t = s.Templates;
        var promotion = new TemplatePromotion(t, s.Port<IEnvironmentDirectory>(), TimeProvider.System);
        await t.AddTemplateVersionAsync(A, "welcome", null, "{}", Now, None);

        (await promotion.PromoteAsync(A, "welcome", 1, "env_nowhere", None)).Outcome.ShouldBe(TemplatePromotion.Outcome.UnknownEnvironment);
        (await promotion.PromoteAsync(A, "welcome", null, Environments.Default, None)).Outcome.ShouldBe(TemplatePromotion.Outcome.NotPublished);
        (await promotion.PromoteAsync(A, "welcome", 7, Environments.Default, None)).Outcome.ShouldBe(TemplatePromotion.Outcome.UnknownVersion);
        (await promotion.PromoteAsync(B, "welcome", 1, Environments.Default, None)).Outcome.ShouldBe(TemplatePromotion.Outcome.UnknownTemplate, "B has no such template");

        (await t.GetTemplateVersionsAsync(Environments.Default, "welcome", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DigestRules_SameEventTypeInTwoEnvironments_UpsertListDeleteStaySeparate()
    {
        await using var s = await OpenAsync();
        var digests = s.Port<IDigestStore>();
        await digests.UpsertRuleAsync(A, new DigestRule("post.liked", TimeSpan.FromHours(1), 10, null, "likes_a", false), Now, None);
        await digests.UpsertRuleAsync(B, new DigestRule("post.liked", TimeSpan.FromHours(2), 20, null, "likes_b", true), Now, None);
        await digests.UpsertRuleAsync(A, new DigestRule("post.liked", TimeSpan.FromHours(3), 30, null, "likes_a2", false), Now, None);

        (await digests.ListRulesAsync(A, None)).Select(r => (r.TemplateId, r.MaxItems)).ShouldBe([("likes_a2", 30)]);
        (await digests.ListRulesAsync(B, None)).Select(r => (r.TemplateId, r.MaxItems)).ShouldBe([("likes_b", 20)]);

        (await digests.DeleteRuleAsync(A, "post.liked", None)).ShouldBeTrue();
        (await digests.DeleteRuleAsync(A, "post.liked", None)).ShouldBeFalse();
        (await digests.ListRulesAsync(A, None)).ShouldBeEmpty();
        (await digests.ListRulesAsync(B, None)).Select(r => r.TemplateId).ShouldBe(["likes_b"]);
    }

    [Fact]
    public async Task Digests_SameRecipientEventAndKeyInTwoEnvironments_TwoDigestsEachClosedAlone()
    {
        await using var s = await OpenAsync();
        DigestAppend Append(string id, string environment) =>
            new("u1", "post.liked", DigestKinds.Batch, "", id, "", $"{{\"n\":\"{id}\"}}", Now.AddSeconds(1), 100, "likes", null, environment);
        var appends = new[] { Append("ntf_a1", A), Append("ntf_b1", B), Append("ntf_a2", A) };
        var notifications = appends.Select(a => new Notification(a.NotificationId, a.EventType, a.RecipientId, Priority.Normal, NotificationStatus.Accepted, "post", 1, null,
            a.Data, null, null, Now, Now)).ToList();
        await s.Ingest.AcceptAsync([new IngestItem(notifications, null)], Now, None);
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now.AddMinutes(1), 10, None)).Count.ShouldBe(3);
        await s.Plans.CompletePlanningAsync([.. appends.Select(a => new PlanResult(a.NotificationId, [], [], NotificationStatus.Digested, a))], Now, None);

        (await s.Port<IDigestStore>().CloseDueDigestsAsync(Now.AddSeconds(2), 10, None)).ShouldBe(2, "one digest per environment");

        int Count(IReadOnlyList<Notification> listed) => listed.Where(DigestNotifications.IsDigest)
            .Select(n => System.Text.Json.Nodes.JsonNode.Parse(n.Data)!["count"]!.GetValue<int>()).ShouldHaveSingleItem();
        Count(await s.Queries.ListNotificationsAsync(A, "u1", null, 50, null, None)).ShouldBe(2, "A's two items in one digest, in A");
        Count(await s.Queries.ListNotificationsAsync(B, "u1", null, 50, null, None)).ShouldBe(1, "B's one in another, in B");
    }

    private static Campaign Campaign(string id, string environment) =>
        new(id, CampaignKinds.Campaign, "c", null, new CampaignMessage("news.posted", "news", 1, [Channel.InApp], "{}", Priority.Low, null),
            new CampaignSchedule(Now, null, null), Now, null, CampaignStatus.Scheduled, null, 0, false, Now, environment);

    [Fact]
    public async Task Campaigns_AnotherEnvironmentsCampaign_NotFoundAndUnchangedByAnyChange()
    {
        await using var s = await OpenAsync();
        var store = s.Port<ICampaignStore>();
        (await store.CreateCampaignAsync(Campaign("cmp_1", A), ["u1"], Now, None)).ShouldBeTrue();

        (await store.GetCampaignAsync(B, "cmp_1", None)).ShouldBeNull();
        (await store.AddRecipientsAsync(B, "cmp_1", ["u2"], None)).ShouldBeNull();
        (await store.PauseAsync(B, "cmp_1", Now, None)).ShouldBeFalse();
        (await store.CancelAsync(B, "cmp_1", Now, None)).ShouldBeNull();
        var inA = (await store.GetCampaignAsync(A, "cmp_1", None))!;
        (inA.Status, inA.EnvironmentId).ShouldBe((CampaignStatus.Scheduled, A));

        (await store.AddRecipientsAsync(A, "cmp_1", ["u2"], None)).ShouldBe(1);
        (await store.PauseAsync(A, "cmp_1", Now, None)).ShouldBeTrue();
        (await store.ResumeAsync(B, "cmp_1", TimeSpan.Zero, Now, None)).ShouldBeFalse();
        (await store.ResumeAsync(A, "cmp_1", TimeSpan.Zero, Now, None)).ShouldBeTrue();

        // The releaser works across environments; the campaign it takes names its own, which its notifications carry.
        var claimed = (await store.ClaimReleaseAsync(Now, Now.AddMinutes(1), "r1", None))!;
        claimed.EnvironmentId.ShouldBe(A);
    }

    private static WebhookEndpoint Endpoint(string id, string environment, string? recipient = "u1") =>
        new(id, recipient, "https://hooks.example/" + id, "secret-" + id, ["order.*"], null, true, null, null, Now, environment);

    [Fact]
    public async Task Endpoints_SameRecipientInTwoEnvironments_EachEnvironmentReadsAndChangesOnlyItsOwn()
    {
        await using var s = await OpenAsync();
        var e = s.Endpoints;
        await e.InsertEndpointAsync(Endpoint("whe_a", A), None);
        await e.InsertEndpointAsync(Endpoint("whe_b", B), None);
        await e.InsertEndpointAsync(Endpoint("whe_op_a", A, recipient: null), None);

        (await e.GetEndpointAsync(A, "whe_a", None))!.EnvironmentId.ShouldBe(A);
        (await e.GetEndpointAsync(B, "whe_a", None)).ShouldBeNull();
        (await e.GetEndpointsAsync(B, ["whe_a", "whe_b"], None)).Keys.ShouldBe(["whe_b"]);
        (await e.GetEndpointsForRecipientAsync(A, "u1", None)).Select(x => x.Id).ShouldBe(["whe_a"]);
        (await e.GetEndpointsForRecipientAsync(B, "u1", None)).Select(x => x.Id).ShouldBe(["whe_b"]);
        (await e.GetEndpointsForRecipientsAsync(B, ["u1", "u2"], None))["u1"].Select(x => x.Id).ShouldBe(["whe_b"]);
        (await e.GetOperationalEndpointsAsync(A, None)).Select(x => x.Id).ShouldBe(["whe_op_a"]);
        (await e.GetOperationalEndpointsAsync(B, None)).ShouldBeEmpty();
        (await e.ListEndpointsAsync(B, 10, null, None)).Select(x => x.Id).ShouldBe(["whe_b"]);

        (await e.DisableEndpointAsync(B, "whe_a", "no", None)).ShouldBeFalse();
        (await e.EnableEndpointAsync(B, "whe_a", None)).ShouldBeFalse();
        (await e.DeleteEndpointAsync(B, "whe_a", None)).ShouldBeFalse();
        (await e.GetEndpointAsync(A, "whe_a", None))!.Enabled.ShouldBeTrue();

        (await e.DisableEndpointAsync(A, "whe_a", "no", None)).ShouldBeTrue();
        (await e.GetEndpointAsync(B, "whe_b", None))!.Enabled.ShouldBeTrue();
        (await e.DeleteEndpointAsync(A, "whe_a", None)).ShouldBeTrue();
        (await e.ListEndpointsAsync(A, 10, null, None)).Select(x => x.Id).ShouldBe(["whe_op_a"]);
        (await e.ListEndpointsAsync(B, 10, null, None)).Select(x => x.Id).ShouldBe(["whe_b"]);
    }

    [Fact]
    public async Task Suppressions_SameAddressInTwoEnvironments_ListAndRemoveStaySeparate()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([
            new TrackingUpdate(null, null, null, Now, null, Suppress: new Suppression(Channel.Email, "x@example.com", "hard bounce", "mailgun", Now, A)),
            new TrackingUpdate(null, null, null, Now, null, Suppress: new Suppression(Channel.Email, "x@example.com", "complaint", "mailgun", Now, B))], Now, None);

        (await s.Tracking.ListSuppressionsAsync(A, null, null, 10, None)).Select(x => (x.Reason, x.EnvironmentId)).ShouldBe([("hard bounce", A)]);
        (await s.Tracking.ListSuppressionsAsync(B, Channel.Email, "x@example.com", 10, None)).Select(x => x.Reason).ShouldBe(["complaint"]);

        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null,
            Unsuppress: new Suppression(Channel.Email, "x@example.com", "complaint", "mailgun", Now, A))], Now, None);
        (await s.Tracking.ListSuppressionsAsync(B, null, null, 10, None)).Count.ShouldBe(1, "an opt-in in A lifts nothing in B");

        (await s.Tracking.RemoveSuppressionAsync(A, Channel.Email, "x@example.com", None)).ShouldBeTrue();
        (await s.Tracking.RemoveSuppressionAsync(A, Channel.Email, "x@example.com", None)).ShouldBeFalse();
        (await s.Tracking.ListSuppressionsAsync(A, null, null, 10, None)).ShouldBeEmpty();
        (await s.Tracking.ListSuppressionsAsync(B, null, null, 10, None)).Select(x => x.Reason).ShouldBe(["complaint"]);
    }

    [Fact]
    public async Task ClaimDueAsync_AddressSuppressedOnlyInAnotherEnvironment_DeliverySent()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null,
            Suppress: new Suppression(Channel.Sms, "+15550001", "carrier STOP", "twilio", Now, A))], Now, None);
        await DispatchSamples.SeedAsync(s, "ntf_1", [DispatchSamples.Delivery("dlv_1", "ntf_1", target: "+15550001")]);

        // The delivery is the default environment's (its notification's): A's suppression of the same number is not its.
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + DispatchSamples.Lease, "lane-a", 10, DispatchSamples.Gate(), None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_1"]);
    }
}

public sealed class SqliteEnvironmentContentTests : EnvironmentContentContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresEnvironmentContentTests : EnvironmentContentContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
