using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;
using Herald.Server.Tests.Providers;
using Herald.Testing;

namespace Herald.Server.Tests.Pipeline;

/// <summary>Twilio on the sandbox with a 1 s confirmation window, on SQLite or on PostgreSQL.</summary>
public abstract class ConfirmationFixture : SandboxedHeraldFixture
{
    /// <summary>Storage settings (none: the embedded SQLite file).</summary>
    protected virtual Dictionary<string, string?> EngineSettings => [];

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox)
    {
        var settings = TwilioSandbox.Settings(sandbox,
            ("Providers:sms1:ConfirmWithin", "00:00:01"),
            ("Providers:sms1:ConfirmLookUps", "3"),
            ("Pipeline:RateLimits:sms", "1000/1s"),
            ("Pipeline:RetrySchedule", "200ms,200ms"));
        foreach (var (key, value) in EngineSettings)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Sends one normal-priority SMS to a new user whose number ends in <paramref name="suffix"/>.</summary>
    public async Task<(string Notification, string Phone)> SendSmsAsync(string suffix)
    {
        await CreateTemplateAsync("confirm-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{code}}" } }, ["code"]);
        var user = NewId("confirm");
        var phone = "+1555" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture) + suffix;
        await PutUserAsync(user, phone: phone);
        var id = await SendAsync(new JsonObject
        {
            ["event_type"] = "auth.code", ["recipient_id"] = user, ["priority"] = "normal", ["template_id"] = "confirm-sms",
            ["data"] = new JsonObject { ["code"] = Guid.NewGuid().ToString("N")[..8] },
        });
        return (id, phone);
    }

    public static IEnumerable<JsonNode> Confirmations(JsonNode notification) =>
        notification["trace"]!.AsArray().Select(t => t!).Where(t => t.Str("stage") == "confirm");
}

public sealed class SqliteConfirmationFixture : ConfirmationFixture;

public sealed class PostgresConfirmationFixture : ConfirmationFixture
{
    private readonly Dictionary<string, string?> _engine = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_confirm"),
    };

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

/// <summary>The distributed mode: PostgreSQL and RabbitMQ lanes, so a resend after a look-up goes through the relay and the broker.</summary>
public sealed class DistributedConfirmationFixture : ConfirmationFixture
{
    private const int Partitions = 2;
    private readonly string _connection = ExternalServices.NewDatabase("herald_confirm_dist");

    protected override Dictionary<string, string?> EngineSettings => new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
        ["Herald:Transport:Engine"] = "rabbitmq",
        ["Herald:Transport:RabbitMq:Uri"] = ExternalServices.RabbitMqUri,
        ["Herald:Transport:RabbitMq:ExchangePrefix"] = new Npgsql.NpgsqlConnectionStringBuilder(_connection).Database,
        ["Herald:Transport:RabbitMq:Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Stops the server, then deletes its queues, so the shared test broker does not fill up with them.</summary>
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await RabbitMqCleanup.DeletePrefixAsync(ExternalServices.RabbitMqUri, new Npgsql.NpgsqlConnectionStringBuilder(_connection).Database!, Partitions);
    }
}

/// <summary>
/// An SMS Twilio accepted but whose final status callback never came is looked up once Twilio's window has passed: a
/// delivered message ends delivered, an undelivered one is resent on the delivery's retry schedule, each traced.
/// </summary>
public abstract class ConfirmationWorkerTests(ConfirmationFixture herald)
{
    [Fact]
    public async Task ConfirmOnce_CallbackLostMessageDelivered_EndsDeliveredAfterTheLookUp()
    {
        var (id, phone) = await herald.SendSmsAsync("0668");

        var done = await herald.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d!.Str("status") == "delivered"), TimeSpan.FromSeconds(20));

        var confirm = ConfirmationFixture.Confirmations(done).ShouldHaveSingleItem();
        confirm.Str("decision").ShouldBe("delivered");
        confirm.Str("channel").ShouldBe("sms");
        confirm.Str("reason").ShouldBe("no status from sms1 within 1 s of sent; look-up 1 of 3: sms1 reports it delivered");
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1, "delivered: never resent");
        var metrics = await MetricsText.ScrapeAsync(herald.Client);
        MetricsText.Value(metrics, "herald_confirmations_total{provider=\"sms1\",result=\"delivered\"}").ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task ConfirmOnce_CallbackLostMessageUndelivered_RetriedOnTheScheduleUntilTheDeadLetterQueue()
    {
        var (id, phone) = await herald.SendSmsAsync("0667");

        var done = await herald.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d!.Str("status") == "dead"), TimeSpan.FromSeconds(30));

        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(3, "the first send and both retries of 200ms,200ms");
        var delivery = done["deliveries"]!.AsArray().Single()!;
        delivery["attempts"]!.GetValue<int>().ShouldBe(3);
        var confirms = ConfirmationFixture.Confirmations(done).ToList();
        confirms.Select(c => c.Str("decision")).ShouldBe(["failed", "failed", "failed"]);
        confirms[0].Str("reason").ShouldStartWith("no status from sms1 within 1 s of sent; look-up 1 of 3: sms1 reports it undelivered: twilio error 30003; late failure: resending; retry 1 of 2 at ");
        confirms[1].Str("reason").ShouldContain("look-up 1 of 3", customMessage: "the resend is confirmed on its own");
        confirms[2].Str("reason").ShouldContain("retries exhausted after 3 attempts");
    }

    [Fact]
    public async Task ConfirmOnce_TwilioNeverAnswersTheLookUp_AskedThreeTimesThenLeftSent()
    {
        var (id, phone) = await herald.SendSmsAsync("0668");
        await herald.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d!.Str("status") == "sent"), TimeSpan.FromSeconds(10));
        await herald.SetFaultsAsync("twilio", new { error_rate = 1.0 });
        try
        {
            var done = await herald.WaitForNotificationAsync(id, n => ConfirmationFixture.Confirmations(n).Count() == 3, TimeSpan.FromSeconds(20));

            var confirms = ConfirmationFixture.Confirmations(done).ToList();
            confirms.ShouldAllBe(c => c.Str("decision") == "lookup-unanswered");
            confirms[0].Str("reason").ShouldContain("look-up 1 of 3: sms1 did not answer (503");
            confirms[0].Str("reason").ShouldContain("asking again at");
            confirms[2].Str("reason").ShouldEndWith("no look-up left; left sent");
            await Task.Delay(1_500);
            var after = await herald.WaitForNotificationAsync(id, _ => true);
            ConfirmationFixture.Confirmations(after).Count().ShouldBe(3, "not asked a fourth time");
            after["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("sent");
            (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1, "a look-up never resends on its own");
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task ConfirmOnce_TwilioNoLongerHoldsTheMessage_TracedAndLeftSent()
    {
        var (id, phone) = await herald.SendSmsAsync("0668");
        await herald.WaitForNotificationAsync(id, n => n["deliveries"]!.AsArray().Any(d => d!.Str("status") == "sent"), TimeSpan.FromSeconds(10));
        // As when the message was deleted at Twilio: its SID answers 404.
        (await herald.SandboxAdmin.DeleteAsync($"{herald.Sandbox.BaseUrl}/_sandbox/messages")).EnsureSuccessStatusCode();

        var done = await herald.WaitForNotificationAsync(id, n => ConfirmationFixture.Confirmations(n).Any(), TimeSpan.FromSeconds(20));

        var confirm = ConfirmationFixture.Confirmations(done).ShouldHaveSingleItem();
        confirm.Str("decision").ShouldBe("not-found");
        confirm.Str("reason").ShouldContain("sms1 has no such message; left sent and not resent");
        done["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("sent");
        (await herald.SandboxMessagesAsync("twilio", phone)).ShouldBeEmpty("not resent");
    }
}

public sealed class SqliteConfirmationWorkerTests(SqliteConfirmationFixture herald) : ConfirmationWorkerTests(herald), IClassFixture<SqliteConfirmationFixture>;

public sealed class PostgresConfirmationWorkerTests(PostgresConfirmationFixture herald) : ConfirmationWorkerTests(herald), IClassFixture<PostgresConfirmationFixture>;

public sealed class DistributedConfirmationWorkerTests(DistributedConfirmationFixture herald) : ConfirmationWorkerTests(herald), IClassFixture<DistributedConfirmationFixture>;
