using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Providers;

/// <summary>
/// FCM and Twilio on the sandbox (email goes to the capture provider), on SQLite or PostgreSQL. Urgent falls back
/// push → sms → email with a 2 s deadline per channel (30 s by default).
/// </summary>
public abstract class FallbackFixture : SandboxedHeraldFixture
{
    private string _serviceAccount = "";

    protected virtual Dictionary<string, string?> EngineSettings => [];

    protected override async Task PrepareSandboxAsync(SandboxHost sandbox) =>
        _serviceAccount = await SandboxAdmin.GetStringAsync($"{sandbox.BaseUrl}/_sandbox/fcm/service-account");

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox)
    {
        var settings = TwilioSandbox.Settings(sandbox,
            ("Providers:push1:Type", "fcm"),
            ("Providers:push1:BaseUrl", sandbox.BaseUrl),
            ("Providers:push1:ServiceAccountJson", _serviceAccount),
            ("Channels:push:Providers", "push1"),
            // FCM's circuit never opens here, so one test's outage does not defer the next test's pushes.
            ("Providers:push1:CircuitMinimumThroughput", "100000"),
            // Ten retries of up to 2 s each (full jitter): none of these tests sees a schedule run out by chance.
            ("Pipeline:RetrySchedule", "2s,2s,2s,2s,2s,2s,2s,2s,2s,2s"),
            ("Pipeline:FallbackAfter:urgent", "00:00:02"),
            ("Pipeline:RateLimits:sms", "1000/1s"),
            ("Pipeline:RateLimits:push", "1000/1s"));
        foreach (var (key, value) in EngineSettings)
        {
            settings[key] = value;
        }

        return settings;
    }
}

public sealed class SqliteFallbackFixture : FallbackFixture;

public sealed class PostgresFallbackFixture : FallbackFixture
{
    private readonly Dictionary<string, string?> _engine = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_fallback"),
    };

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

/// <summary>
/// Channel fallback with deadlines (issue 15, item 2) and late failures (item 9): a channel falls back at once when it has
/// no target, when all its deliveries end badly, or when a retryable failure outlasts its deadline; once per notification
/// however many devices fail; and a failure Twilio reports after "sent" is retried like a send-time one.
/// </summary>
public abstract class ChannelFallbackTests(FallbackFixture herald)
{
    private static readonly JsonObject Parts = new()
    {
        ["push"] = new JsonObject { ["title"] = "Card alert", ["body"] = "{{what}}" },
        ["sms"] = new JsonObject { ["body"] = "Card alert: {{what}}" },
        ["email"] = new JsonObject { ["subject"] = "Card alert", ["text"] = "{{what}}", ["html"] = "<p>{{what}}</p>" },
    };

    [Fact]
    public async Task UrgentPush_FcmFailingPastTheDeadline_SmsOnceWithinTheDeadline()
    {
        var (user, phone) = await UserAsync(devices: ["tok-ok-" + Guid.NewGuid().ToString("N")]);
        await herald.SetFaultsAsync("fcm", new { error_rate = 1.0, error_status = 503 });
        try
        {
            var started = DateTimeOffset.UtcNow;
            var id = await SendAsync(user, "urgent", ["push"]);
            var n = await WaitAsync(id, n => Delivery(n, "sms")?.Str("status") is "sent" or "delivered", TimeSpan.FromSeconds(20));
            (DateTimeOffset.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(15), "the SMS goes out at the 2 s deadline, not after push's whole retry schedule");
            Delivery(n, "push")!.Str("status").ShouldBeOneOf("retrying", "sending", "dead");
            Trace(n).ShouldContain(t => t.Str("stage") == "fallback" && t.Str("channel") == "sms" && t.Str("reason").Contains("deadline", StringComparison.Ordinal));
            (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task UrgentPush_NoDevice_SmsAtOnceAtPlanTime()
    {
        var (user, phone) = await UserAsync(devices: []);
        var id = await SendAsync(user, "urgent", ["push"]);
        var n = await WaitAsync(id, n => n.Str("status") == "completed");

        Delivery(n, "sms")!.Str("status").ShouldBeOneOf("sent", "delivered");
        Deliveries(n).ShouldNotContain(d => d.Str("channel") == "push");
        Trace(n).ShouldContain(t => t.Str("stage") == "plan" && t.Str("decision") == "fallback" && t.Str("channel") == "sms");
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task UrgentPush_OneStaleDeviceOfTwo_NoSms()
    {
        var (user, phone) = await UserAsync(devices: ["unregistered-" + Guid.NewGuid().ToString("N"), "tok-ok-" + Guid.NewGuid().ToString("N")]);
        var id = await SendAsync(user, "urgent", ["push"]);
        var n = await WaitAsync(id, n => n.Str("status") == "completed");

        Deliveries(n).Where(d => d.Str("channel") == "push").Select(d => d.Str("status")).Order().ShouldBe(["failed", "sent"]);
        Delivery(n, "sms").ShouldBeNull("the other device got it: a stale token is not a reason to text");
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(0);
    }

    [Fact]
    public async Task UrgentPush_EveryDeviceStale_OneSmsNotOnePerDevice()
    {
        var (user, phone) = await UserAsync(devices: [.. Enumerable.Range(0, 3).Select(_ => "unregistered-" + Guid.NewGuid().ToString("N"))]);
        var id = await SendAsync(user, "urgent", ["push"]);
        var n = await WaitAsync(id, n => n.Str("status") == "completed" && Delivery(n, "sms") is not null, TimeSpan.FromSeconds(20));

        Deliveries(n).Where(d => d.Str("channel") == "push").ShouldAllBe(d => d.Str("status") == "failed");
        Deliveries(n).Count(d => d.Str("channel") == "sms").ShouldBe(1);
        Delivery(n, "sms")!.Str("status").ShouldBeOneOf("sent", "delivered");
        Trace(n).Count(t => t.Str("stage") == "fallback").ShouldBe(1);
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task TemplateFallback_PushExpiringWhileRetrying_SmsBeforeTheExpiry()
    {
        // A normal-priority template that opts in, with no deadline: push falls back only when it ends, here by expiring.
        var template = HeraldServerFixture.NewId("otp");
        using (var created = await herald.Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = template, ["variables"] = new JsonArray("what"), ["channels"] = Parts.DeepClone(),
            ["fallback"] = new JsonObject { ["chain"] = new JsonArray("push", "sms") },
        }))
        {
            var body = await created.ShouldHaveStatusAsync(201);
            using var published = await herald.Client.PostAsync(new Uri($"/api/v1/templates/{template}/versions/{body["version"]}/publish", UriKind.Relative), null);
            await published.ShouldHaveStatusAsync(200);
        }

        var stored = await herald.Client.GetJsonAsync($"/api/v1/templates/{template}");
        stored["versions"]![0]!["fallback"]!["chain"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["push", "sms"]);

        var (user, phone) = await UserAsync(devices: ["tok-ok-" + Guid.NewGuid().ToString("N")]);
        await herald.SetFaultsAsync("fcm", new { error_rate = 1.0, error_status = 503 });
        try
        {
            var expires = DateTimeOffset.UtcNow.AddSeconds(3);
            var id = await herald.SendAsync(new JsonObject
            {
                ["event_type"] = "auth.otp", ["recipient_id"] = user, ["template_id"] = template, ["channels"] = new JsonArray("push"),
                ["data"] = new JsonObject { ["what"] = "123456" }, ["expires_at"] = expires.ToString("O", CultureInfo.InvariantCulture),
            });
            // Done when the SMS fallback ended, or when the push ended at the gate without one: a retry due before the expiry
            // but claimed after it (a loaded lane; seen twice while builds shared the machine) is expired by the gate, and
            // its notification has expired too, so an SMS then could only expire unsent: none is planned.
            var n = await WaitAsync(id, n => Delivery(n, "sms")?.Str("status") is "sent" or "delivered" or "expired"
                || (Delivery(n, "push")?.Str("status") == "expired" && ExpiredAtTheGate(n)), TimeSpan.FromSeconds(20));

            Delivery(n, "push")!.Str("status").ShouldBe("expired", n.ToJsonString());
            if (Delivery(n, "sms") is null)
            {
                ExpiredAtTheGate(n).ShouldBeTrue(n.ToJsonString());
                (await herald.SandboxMessagesAsync("twilio", phone)).ShouldBeEmpty();
                return;
            }

            var fellBack = Trace(n).Single(t => t.Str("stage") == "fallback" && t.Str("reason").Contains("expired", StringComparison.Ordinal));
            if (Delivery(n, "sms")!.Str("status") == "expired")
            {
                // The push's last failure came (jitter decides when) right before the expiry: the SMS had no time left.
                DateTimeOffset.Parse(fellBack.Str("at"), CultureInfo.InvariantCulture).ShouldBeGreaterThan(expires.AddMilliseconds(-500), n.ToJsonString());
            }
            else
            {
                Delivery(n, "sms")!.Str("status").ShouldBeOneOf("sent", "delivered");
                (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
            }
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task NormalSms_TwilioReportsUndeliveredAfterSent_Resent()
    {
        // Numbers ending 0666: the sandbox accepts, reports sent, then undelivered (30003, unreachable handset: transient).
        var (user, phone) = await UserAsync(devices: [], phone: "+1555" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture) + "0666");
        var id = await SendAsync(user, "normal", ["sms"]);
        var n = await WaitAsync(id, n => (Delivery(n, "sms")?["attempts"]?.GetValue<int>() ?? 0) >= 2, TimeSpan.FromSeconds(20));

        Trace(n).ShouldContain(t => t.Str("stage") == "track" && t.Str("reason").Contains("late failure", StringComparison.Ordinal)
            && t.Str("reason").Contains("retry", StringComparison.Ordinal));
        await Polling.WaitUntilAsync(async () => (await herald.SandboxMessagesAsync("twilio", phone)).Count >= 2, TimeSpan.FromSeconds(10), "the SMS is sent again");
        Delivery(n, "email").ShouldBeNull("normal has no fallback chain");
    }

    [Fact]
    public async Task UrgentSms_TwilioReportsUndeliveredAfterSent_EmailFallback()
    {
        var (user, _) = await UserAsync(devices: [], phone: "+1555" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture) + "0666");
        var id = await SendAsync(user, "urgent", ["sms"]);
        var n = await WaitAsync(id, n => Delivery(n, "email")?.Str("status") is "sent" or "delivered");

        Trace(n).ShouldContain(t => t.Str("stage") == "fallback" && t.Str("channel") == "email");
        Deliveries(n).Count(d => d.Str("channel") == "email").ShouldBe(1);
    }

    /// <summary>Waits for the notification; on timeout the failure shows it whole (deliveries and trace).</summary>
    private async Task<JsonNode> WaitAsync(string id, Func<JsonNode, bool> done, TimeSpan? timeout = null)
    {
        try
        {
            return await herald.WaitForNotificationAsync(id, done, timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException((await herald.GetNotificationAsync(id)).ToJsonString());
        }
    }

    private async Task<(string User, string Phone)> UserAsync(string[] devices, string? phone = null)
    {
        var user = HeraldServerFixture.NewId("fb");
        phone ??= "+1555" + ((Random.Shared.Next(200_000, 999_999) * 10) + 1).ToString(CultureInfo.InvariantCulture); // never a magic ending (0666…)
        await herald.PutUserAsync(user, email: $"{user}@example.com", phone: phone);
        foreach (var token in devices)
        {
            using var device = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });
            await device.ShouldHaveStatusAsync(201);
        }

        return (user, phone);
    }

    private async Task<string> SendAsync(string user, string priority, string[] channels)
    {
        await herald.CreateTemplateAsync("card-alert", (JsonObject)Parts.DeepClone(), ["what"]);
        return await herald.SendAsync(new JsonObject
        {
            ["event_type"] = "card.alert." + Guid.NewGuid().ToString("N")[..8], ["recipient_id"] = user, ["priority"] = priority, ["template_id"] = "card-alert",
            ["channels"] = new JsonArray([.. channels.Select(c => (JsonNode?)JsonValue.Create(c))]), ["data"] = new JsonObject { ["what"] = "declined at ACME" },
        });
    }

    private static IEnumerable<JsonNode> Deliveries(JsonNode n) => n["deliveries"]!.AsArray().Select(d => d!);

    private static JsonNode? Delivery(JsonNode n, string channel) => Deliveries(n).FirstOrDefault(d => d.Str("channel") == channel);

    private static IEnumerable<JsonNode> Trace(JsonNode n) => n["trace"]!.AsArray().Select(t => t!);

    /// <summary>The gate expired the push when it was claimed after the notification's expiry.</summary>
    private static bool ExpiredAtTheGate(JsonNode n) =>
        Trace(n).Any(t => t.Str("stage") == "gate" && t.Str("channel") == "push" && t.Str("decision") == "expired");
}

public sealed class SqliteChannelFallbackTests(SqliteFallbackFixture herald) : ChannelFallbackTests(herald), IClassFixture<SqliteFallbackFixture>;

public sealed class PostgresChannelFallbackTests(PostgresFallbackFixture herald) : ChannelFallbackTests(herald), IClassFixture<PostgresFallbackFixture>;
