using Herald.Core.Domain;
using Herald.Core.Planning;
using Herald.Core.Preferences;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Planning;

/// <summary>
/// Planning reads a recipient in the notification's environment: the same user id in another environment is another
/// user, whose profile, preferences and devices never shape this notification's deliveries.
/// </summary>
public sealed class PlannerUserEnvironmentTests : IAsyncLifetime
{
    private const string A = Environments.Default;
    private const string B = "env_other";
    private const string Definition = """{"channels": {"email": {"subject": "Hi", "text": "Shipped"}, "sms": {"body": "Shipped"}, "push": {"title": "Hi", "body": "Shipped"}}}""";
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private TempSqliteStore _temp = null!;
    private Planner _planner = null!;

    public async Task InitializeAsync()
    {
        _temp = await TempSqliteStore.CreateAsync();
        // The same template in both environments (templates are per environment too): only the user data differs.
        foreach (var environment in new[] { A, B })
        {
            var version = await _temp.Templates.AddTemplateVersionAsync(environment, "order_shipped", null, Definition, Now, None);
            await _temp.Templates.PublishTemplateAsync(environment, "order_shipped", version, Now, None);
        }

        _planner = new Planner(_temp.Users, _temp.Endpoints, new TemplateCatalog(_temp.Templates), new TemplateRenderer(), TimeProvider.System);

        // Environment A's u1: an email address, a phone, a device, and SMS switched off.
        await _temp.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", "+14155550100", null, null, Now, A), None);
        await _temp.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "sms", false)], A), Now, None);
        await _temp.Users.AddDeviceAsync(new Device("dev_a", "u1", "tok-a", "ios", null, Now, Now, A), None);
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task PlanBatchAsync_SameUserIdInOtherEnvironment_UsesOnlyItsOwnProfilePreferencesAndDevices()
    {
        // Environment B's u1: a phone only, email switched off, another device.
        await _temp.Users.UpsertUserAsync(new UserProfile("u1", null, "+14155550199", null, null, Now, B), None);
        await _temp.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "email", false)], B), Now, None);
        await _temp.Users.AddDeviceAsync(new Device("dev_b", "u1", "tok-b", "ios", null, Now, Now, B), None);
        var inA = TempSqliteStore.Notification("ntf_a", Now) with { EnvironmentId = A };
        var inB = TempSqliteStore.Notification("ntf_b", Now) with { EnvironmentId = B };

        var results = await _planner.PlanBatchAsync([inA, inB], None);

        Targets(results[0]).ShouldBe([(Channel.Email, "a@example.com"), (Channel.Push, "tok-a")], ignoreOrder: true);
        Targets(results[1]).ShouldBe([(Channel.Sms, "+14155550199"), (Channel.Push, "tok-b")], ignoreOrder: true);
    }

    [Fact]
    public async Task PlanBatchAsync_UserOnlyInOtherEnvironment_PlansNoTargetFromIt()
    {
        var inB = TempSqliteStore.Notification("ntf_b", Now) with { EnvironmentId = B };

        var batch = await _planner.PlanBatchAsync([inB], None);
        var single = await _planner.PlanAsync(inB, None);

        Targets(batch[0]).ShouldBeEmpty("environment B has no u1: A's address, phone and device are not its");
        Targets(single).ShouldBeEmpty();
    }

    private static List<(Channel, string)> Targets(Herald.Core.Storage.PlanResult plan) => [.. plan.Deliveries.Select(d => (d.Channel, d.Target))];
}
