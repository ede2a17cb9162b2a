using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Providers;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>Herald with FCM pointed at the sandbox, on SQLite or on PostgreSQL (in-process lanes).</summary>
public abstract class DeviceFixture : SandboxedHeraldFixture
{
    private string _serviceAccount = "";

    /// <summary>Storage settings (none: the embedded SQLite file).</summary>
    protected virtual Dictionary<string, string?> EngineSettings => [];

    /// <summary>Herald:Devices settings for this fixture.</summary>
    protected virtual Dictionary<string, string?> DeviceSettings => [];

    protected override async Task PrepareSandboxAsync(SandboxHost sandbox) =>
        _serviceAccount = await SandboxAdmin.GetStringAsync($"{sandbox.BaseUrl}/_sandbox/fcm/service-account");

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Herald:Providers:push1:Type"] = "fcm",
            ["Herald:Providers:push1:BaseUrl"] = sandbox.BaseUrl,
            ["Herald:Providers:push1:ServiceAccountJson"] = _serviceAccount,
            ["Herald:Channels:push:Providers"] = "push1",
        };
        foreach (var (key, value) in EngineSettings.Concat(DeviceSettings))
        {
            settings[key] = value;
        }

        return settings;
    }

    protected static Dictionary<string, string?> Postgres(string name) => new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase(name),
    };

    /// <summary>Pruning fast enough to watch: tokens not registered again for 2 s go, looked for every 200 ms.</summary>
    protected static Dictionary<string, string?> FastPruning => new()
    {
        ["Herald:Devices:StaleAfter"] = "00:00:02",
        ["Herald:Devices:PruneInterval"] = "00:00:00.200",
    };
}

public sealed class SqliteDeviceFixture : DeviceFixture;

public sealed class PostgresDeviceFixture : DeviceFixture
{
    private readonly Dictionary<string, string?> _engine = Postgres("herald_devices");

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

public sealed class SqlitePruningDeviceFixture : DeviceFixture
{
    protected override Dictionary<string, string?> DeviceSettings => FastPruning;
}

public sealed class PostgresPruningDeviceFixture : DeviceFixture
{
    private readonly Dictionary<string, string?> _engine = Postgres("herald_devices_prune");

    protected override Dictionary<string, string?> EngineSettings => _engine;

    protected override Dictionary<string, string?> DeviceSettings => FastPruning;
}

/// <summary>One owner per push token and platform: a token registered under another user moves there, at the sandbox too.</summary>
public abstract class DeviceOwnershipTests(DeviceFixture herald)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AddDevice_TokenHeldByAnotherUser_MovesItAndTheOldOwnersPushNoLongerReachesIt()
    {
        var template = await PushTemplateAsync();
        var (previous, next) = (HeraldServerFixture.NewId("previous"), HeraldServerFixture.NewId("next"));
        var token = "handed-down-" + Guid.NewGuid().ToString("N");
        var oldId = await RegisterAsync(previous, token);
        var before = await SendAndSettleAsync(previous, template, "1");

        var newId = await RegisterAsync(next, token);
        var afterForPrevious = await SendAndSettleAsync(previous, template, "2");
        var afterForNext = await SendAndSettleAsync(next, template, "3");

        newId.ShouldNotBe(oldId);
        (await Devices(previous)).ShouldBeEmpty();
        (await Devices(next)).ShouldHaveSingleItem()!.Str("id").ShouldBe(newId);
        afterForPrevious["deliveries"]!.AsArray().ShouldBeEmpty();
        afterForPrevious["trace"]!.AsArray().ShouldContain(t => t!.Str("reason") == "recipient has no registered device");
        var atTheSandbox = await herald.SandboxMessagesAsync("fcm", token);
        atTheSandbox.Select(m => m!.Str("reference")).ShouldBe([PushDeliveryId(before), PushDeliveryId(afterForNext)], ignoreOrder: true);
        using var delete = await herald.Client.DeleteAsync($"/api/v1/users/{previous}/devices/{oldId}");
        (await delete.ShouldBeProblemAsync(404, "not-found")).Dispose();
    }

    [Fact]
    public async Task AddDevice_TokenMovesWhileThePreviousOwnersPushWaits_ThatPushIsCancelledNotSent()
    {
        var template = await PushTemplateAsync();
        var (previous, next) = (HeraldServerFixture.NewId("previous"), HeraldServerFixture.NewId("next"));
        var token = "handed-down-" + Guid.NewGuid().ToString("N");
        await RegisterAsync(previous, token);
        var now = DateTimeOffset.UtcNow;
        var quiet = new JsonObject { ["start"] = now.AddHours(-1).ToString("HH:mm", CultureInfo.InvariantCulture), ["end"] = now.AddHours(2).ToString("HH:mm", CultureInfo.InvariantCulture), ["timezone"] = "UTC" };
        using (var prefs = await herald.Client.PutJsonAsync($"/api/v1/users/{previous}/preferences",
            new JsonObject { ["rules"] = new JsonArray(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["quiet_hours"] = quiet }) }))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        var id = await herald.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = previous, ["data"] = new JsonObject { ["n"] = "private" } });
        await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Any(d => d!.Str("status") == "deferred"), Wait);

        await RegisterAsync(next, token);

        var detail = await herald.WaitForNotificationAsync(id, x => x.Str("status") == "completed", Wait);
        var push = detail["deliveries"]!.AsArray().Single()!;
        push.Str("status").ShouldBe("cancelled");
        detail["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "cancelled" && t!.Str("reason").StartsWith("the push token was registered by another user", StringComparison.Ordinal));
        (await herald.SandboxMessagesAsync("fcm", token)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AddDevice_ConcurrentRegistrationsOfOneToken_LeaveOneOwner()
    {
        var template = await PushTemplateAsync();
        var users = Enumerable.Range(0, 8).Select(_ => HeraldServerFixture.NewId("racer")).ToList();
        var token = "raced-" + Guid.NewGuid().ToString("N");

        await Task.WhenAll(users.Select(u => Task.Run(() => RegisterAsync(u, token)))).WaitAsync(Wait);

        var holders = new List<string>();
        foreach (var user in users)
        {
            if ((await Devices(user)).Count > 0)
            {
                holders.Add(user);
            }
        }

        var owner = holders.ShouldHaveSingleItem();
        foreach (var user in users)
        {
            await SendAndSettleAsync(user, template, user);
        }

        var atTheSandbox = (await herald.SandboxMessagesAsync("fcm", token)).ShouldHaveSingleItem()!;
        atTheSandbox["fields"]!["notification"]!.Str("title").ShouldBe("Hi " + owner);
    }

    [Fact]
    public async Task AddDevice_SameTokenAgain_SameDeviceWithLastSeenRefreshed()
    {
        var user = HeraldServerFixture.NewId("again");
        var token = "again-" + Guid.NewGuid().ToString("N");
        using var first = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });
        var created = await first.ShouldHaveStatusAsync(201);
        await Task.Delay(20);

        using var second = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });

        var again = await second.ShouldHaveStatusAsync(201);
        again.Str("id").ShouldBe(created.Str("id"));
        again.Str("created_at").ShouldBe(created.Str("created_at"));
        DateTimeOffset.Parse(again.Str("last_seen_at"), CultureInfo.InvariantCulture)
            .ShouldBeGreaterThan(DateTimeOffset.Parse(created.Str("last_seen_at"), CultureInfo.InvariantCulture));
        (await Devices(user)).ShouldHaveSingleItem()!.Str("last_seen_at").ShouldBe(again.Str("last_seen_at"));
    }

    private async Task<string> PushTemplateAsync()
    {
        var template = HeraldServerFixture.NewId("push-t");
        await herald.CreateTemplateAsync(template, new JsonObject { ["push"] = new JsonObject { ["title"] = "Hi {{n}}", ["body"] = "There" } }, ["n"]);
        return template;
    }

    private async Task<string> RegisterAsync(string user, string token)
    {
        using var response = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });
        return (await response.ShouldHaveStatusAsync(201)).Str("id");
    }

    private async Task<JsonArray> Devices(string user) => (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray();

    private async Task<JsonNode> SendAndSettleAsync(string user, string template, string n)
    {
        var id = await herald.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("push"), ["data"] = new JsonObject { ["n"] = n },
        });
        return await herald.WaitForNotificationAsync(id, x => x.Str("status") == "completed", Wait);
    }

    private static string PushDeliveryId(JsonNode notification) =>
        notification["deliveries"]!.AsArray().Single(d => d!.Str("channel") == "push")!.Str("id");
}

public sealed class SqliteDeviceOwnershipTests(SqliteDeviceFixture herald) : DeviceOwnershipTests(herald), IClassFixture<SqliteDeviceFixture>;

public sealed class PostgresDeviceOwnershipTests(PostgresDeviceFixture herald) : DeviceOwnershipTests(herald), IClassFixture<PostgresDeviceFixture>;

/// <summary>Tokens not registered again within Herald:Devices:StaleAfter are pruned; tokens still registered stay.</summary>
public abstract class DevicePruningTests(DeviceFixture herald)
{
    [Fact]
    public async Task PruneDevices_TokenNotSeenForStaleAfter_RemovedWhileATokenRegisteredAgainStays()
    {
        var user = HeraldServerFixture.NewId("pruned");
        var stale = await RegisterAsync(user, "stale-" + Guid.NewGuid().ToString("N"));
        var freshToken = "fresh-" + Guid.NewGuid().ToString("N");
        var fresh = await RegisterAsync(user, freshToken);

        (await Devices(user)).Select(d => d!.Str("id")).ShouldBe([stale, fresh], ignoreOrder: true);

        // The app registers its token again on each start (here every 300 ms); the other token is never seen again.
        var clock = Stopwatch.StartNew();
        while ((await Devices(user)).Any(d => d!.Str("id") == stale))
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), "the stale token was not pruned");
            await Task.Delay(300);
            (await RegisterAsync(user, freshToken)).ShouldBe(fresh);
        }

        clock.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(1), "pruned long before it was stale");
        (await Devices(user)).Select(d => d!.Str("id")).ShouldBe([fresh]);
    }

    private async Task<string> RegisterAsync(string user, string token)
    {
        using var response = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "ios" });
        return (await response.ShouldHaveStatusAsync(201)).Str("id");
    }

    private async Task<JsonArray> Devices(string user) => (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/devices"))["devices"]!.AsArray();
}

public sealed class SqliteDevicePruningTests(SqlitePruningDeviceFixture herald) : DevicePruningTests(herald), IClassFixture<SqlitePruningDeviceFixture>;

public sealed class PostgresDevicePruningTests(PostgresPruningDeviceFixture herald) : DevicePruningTests(herald), IClassFixture<PostgresPruningDeviceFixture>;
