using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Planning;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Planning;

/// <summary>
/// A notification is planned in its own environment: the template, digest rule and webhook endpoints of the same ids in
/// another environment are not its.
/// </summary>
public sealed class PlannerEnvironmentTests
{
    private const string A = "env_a";
    private const string B = "env_b";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task PublishAsync(ITemplateStore store, string environment, string title)
    {
        var definition = new System.Text.Json.Nodes.JsonObject
        {
            ["channels"] = new System.Text.Json.Nodes.JsonObject
            {
                ["in_app"] = new System.Text.Json.Nodes.JsonObject { ["title"] = title },
                ["webhook"] = new System.Text.Json.Nodes.JsonObject { ["payload"] = new System.Text.Json.Nodes.JsonObject { ["from"] = title } },
            },
        }.ToJsonString();
        var version = await store.AddTemplateVersionAsync(environment, "welcome", null, definition, Now, None);
        await store.PublishTemplateAsync(environment, "welcome", version, Now, None);
    }

    private static Notification Notification(string id, string environment, IReadOnlyList<Channel>? channels = null) =>
        new(id, "order.shipped", "u1", Priority.Normal, NotificationStatus.Accepted, "welcome", null, channels ?? [Channel.InApp, Channel.Webhook], "{}", null, null, Now, Now,
            EnvironmentId: environment);

    private static WebhookEndpoint Endpoint(string id, string environment, string? recipient = "u1") =>
        new(id, recipient, "https://hooks.example/" + id, "secret", ["*"], null, true, null, null, Now, environment);

    [Fact]
    public async Task PlanBatchAsync_SameTemplateAndRecipientInTwoEnvironments_EachRendersItsTemplateAndReachesItsEndpoints()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await PublishAsync(temp.Templates, A, "from A");
        await PublishAsync(temp.Templates, B, "from B");
        await temp.Endpoints.InsertEndpointAsync(Endpoint("whe_a", A), None);
        await temp.Endpoints.InsertEndpointAsync(Endpoint("whe_b", B), None);
        var planner = new Planner(temp.Users, temp.Endpoints, new TemplateCatalog(temp.Templates), new TemplateRenderer(), TimeProvider.System);

        var plans = await planner.PlanBatchAsync([Notification("ntf_a", A), Notification("ntf_b", B)], None);

        foreach (var (plan, environment, title, endpoint) in new[] { (plans[0], A, "from A", "whe_a"), (plans[1], B, "from B", "whe_b") })
        {
            plan.Deliveries.ShouldAllBe(d => d.EnvironmentId == environment);
            plan.Deliveries.Single(d => d.Channel == Channel.InApp).Content.ShouldContain(title);
            plan.Deliveries.Where(d => d.Channel == Channel.Webhook).Select(d => d.TargetRef).ShouldBe([endpoint]);
        }
    }

    [Fact]
    public async Task PlanAsync_DigestRuleOnlyInAnotherEnvironment_NotDigested()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await PublishAsync(temp.Templates, A, "from A");
        await PublishAsync(temp.Templates, B, "from B");
        await temp.Digests.UpsertRuleAsync(B, new DigestRule("order.shipped", TimeSpan.FromHours(1), 10, null, "welcome", false), Now, None);
        using var rules = new DigestRules(temp.Digests, TimeProvider.System);
        var planner = new Planner(temp.Users, temp.Endpoints, new TemplateCatalog(temp.Templates), new TemplateRenderer(), TimeProvider.System, rules);

        var inA = await planner.PlanAsync(Notification("ntf_a", A, [Channel.InApp]), None);
        var inB = await planner.PlanAsync(Notification("ntf_b", B, [Channel.InApp]), None);

        inA.Digest.ShouldBeNull();
        inA.Deliveries.Count.ShouldBe(1);
        inB.Digest.ShouldNotBeNull().EnvironmentId.ShouldBe(B);
        inB.Deliveries.ShouldBeEmpty();
    }

    [Fact]
    public async Task PlanAsync_LifecycleEvent_ReachesOnlyItsEnvironmentsOperationalEndpoints()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await temp.Endpoints.InsertEndpointAsync(Endpoint("whe_op_a", A, recipient: null), None);
        await temp.Endpoints.InsertEndpointAsync(Endpoint("whe_op_b", B, recipient: null), None);
        var planner = new Planner(temp.Users, temp.Endpoints, new TemplateCatalog(temp.Templates), new TemplateRenderer(), TimeProvider.System);
        var subscribers = new OperationalSubscribers(temp.Endpoints, TimeProvider.System);
        var ev = new Notification("ntf_ev", LifecycleEvents.DeliverySent, LifecycleEvents.Recipient, Priority.Normal, NotificationStatus.Accepted, LifecycleEvents.Template,
            null, [Channel.Webhook], "{}", null, null, Now, Now, EnvironmentId: B);

        var plan = await planner.PlanAsync(ev, None);

        plan.Deliveries.Select(d => (d.TargetRef, d.EnvironmentId)).ShouldBe([("whe_op_b", B)]);
        (await subscribers.AnyAsync("env_c", LifecycleEvents.DeliverySent, None)).ShouldBeFalse();
        (await subscribers.AnyAsync(A, LifecycleEvents.DeliverySent, None)).ShouldBeTrue();
    }
}
