using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Providers;

/// <summary>Twilio on the sandbox, on SQLite or PostgreSQL, with user limits out of the way.</summary>
public abstract class ThrottledOrderFixture : SandboxedHeraldFixture
{
    protected virtual Dictionary<string, string?> EngineSettings => [];

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox)
    {
        var settings = TwilioSandbox.Settings(sandbox,
            // The provider's 429s are its answer to load: they must not open the circuit here.
            ("Providers:sms1:CircuitMinimumThroughput", "100000"),
            ("Pipeline:RateLimits:sms", "1000/1s"));
        foreach (var (key, value) in EngineSettings)
        {
            settings[key] = value;
        }

        return settings;
    }
}

public sealed class SqliteThrottledOrderFixture : ThrottledOrderFixture;

public sealed class PostgresThrottledOrderFixture : ThrottledOrderFixture
{
    private readonly Dictionary<string, string?> _engine = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_throttled_order"),
    };

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

/// <summary>
/// Throttling keeps a recipient's order (issue 15, item 1): a message the provider throttled (429 with Retry-After) is not
/// overtaken by the recipient's next message on the channel, which waits behind it; another priority's lane does not wait.
/// </summary>
public abstract class ThrottledOrderTests(ThrottledOrderFixture herald)
{
    [Fact]
    public async Task Send_EarlierSmsThrottled_NextSmsWaitsAndArrivesSecond()
    {
        var (user, phone) = await UserAsync();
        var first = await ThrottledAsync(user, "normal", "first");

        var second = await SendAsync(user, "normal", "second");

        var n = await herald.WaitForNotificationAsync(second, n => Sms(n)?.Str("status") is "sent" or "delivered", TimeSpan.FromSeconds(20));
        await herald.WaitForNotificationAsync(first, n => Sms(n)?.Str("status") is "sent" or "delivered", TimeSpan.FromSeconds(20));
        (await BodiesAsync(phone)).ShouldBe(["Code first", "Code second"], "the throttled first message is not overtaken");
        n["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "gate" && t.Str("decision") == "deferred"
            && t.Str("reason").Contains("keeps the recipient's order behind delivery", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_EarlierNormalSmsThrottled_UrgentSmsDoesNotWait()
    {
        var (user, phone) = await UserAsync();
        var first = await ThrottledAsync(user, "normal", "routine");

        var urgent = await SendAsync(user, "urgent", "urgent");

        await herald.WaitForNotificationAsync(urgent, n => Sms(n)?.Str("status") is "sent" or "delivered", TimeSpan.FromSeconds(20));
        Sms(await herald.GetNotificationAsync(first))!.Str("status").ShouldBe("deferred", "the routine message still waits for its slot");
        await herald.WaitForNotificationAsync(first, n => Sms(n)?.Str("status") is "sent" or "delivered", TimeSpan.FromSeconds(20));
        (await BodiesAsync(phone)).ShouldBe(["Code urgent", "Code routine"], "order is kept per priority lane: urgent never queues behind routine");
    }

    /// <summary>Sends while Twilio answers every request 429 with Retry-After 4 s, waits until the delivery is deferred for it, then lifts the fault.</summary>
    private async Task<string> ThrottledAsync(string user, string priority, string code)
    {
        await herald.SetFaultsAsync("twilio", new { rate_limit_rate = 1.0, retry_after_seconds = 4 });
        try
        {
            var id = await SendAsync(user, priority, code);
            await herald.WaitForNotificationAsync(id, n => Sms(n)?.Str("status") == "deferred" && n["trace"]!.AsArray().Any(t => t!.Str("decision") == "throttled"),
                TimeSpan.FromSeconds(15));
            return id;
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }

    private async Task<(string User, string Phone)> UserAsync()
    {
        await herald.CreateTemplateAsync("order-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{code}}" } }, ["code"]);
        var user = "order-" + Guid.NewGuid().ToString("N")[..12];
        // Ends in 1: never in 066x, the sandbox's failure numbers.
        var phone = "+1555" + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture) + "1";
        await herald.PutUserAsync(user, phone: phone);
        return (user, phone);
    }

    private Task<string> SendAsync(string user, string priority, string code) => herald.SendAsync(new JsonObject
    {
        ["event_type"] = "auth.code", ["recipient_id"] = user, ["template_id"] = "order-sms", ["priority"] = priority,
        ["data"] = new JsonObject { ["code"] = code },
    });

    /// <summary>The SMS bodies Twilio accepted for the phone, in the order it accepted them.</summary>
    private async Task<List<string>> BodiesAsync(string phone) =>
        [.. (await herald.SandboxMessagesAsync("twilio", phone)).Select(m => m!["fields"]!["Body"]!.GetValue<string>())];

    /// <summary>The notification's SMS delivery, or null before it is planned.</summary>
    private static JsonNode? Sms(JsonNode n) => n["deliveries"]?.AsArray().SingleOrDefault(d => d!.Str("channel") == "sms");
}

public sealed class SqliteThrottledOrderTests(SqliteThrottledOrderFixture herald) : ThrottledOrderTests(herald), IClassFixture<SqliteThrottledOrderFixture>;

public sealed class PostgresThrottledOrderTests(PostgresThrottledOrderFixture herald) : ThrottledOrderTests(herald), IClassFixture<PostgresThrottledOrderFixture>;
