using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;
using Herald.Testing;

namespace Herald.Server.Tests.Pipeline;

/// <summary>SQLite (the default engine); SMS through a routed capture provider.</summary>
public sealed class GateSqliteFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Providers:sms-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-capture",
    };
}

/// <summary>PostgreSQL (a fresh database) with the in-process transport; SMS through a routed capture provider.</summary>
public sealed class GatePostgresFixture : HeraldServerFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_gate");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
        ["Herald:Providers:sms-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-capture",
    };
}

public sealed class DeliveryGateSqliteTests(GateSqliteFixture server) : DeliveryGateTests(server), IClassFixture<GateSqliteFixture>;

public sealed class DeliveryGatePostgresTests(GatePostgresFixture server) : DeliveryGateTests(server), IClassFixture<GatePostgresFixture>;

/// <summary>
/// The gate's guards through the API: the urgent ceiling (10 SMS per hour per user and event type by default) stops a
/// runaway loop with a traced reason and a metric, and content dedup follows the event type's template (off for urgent).
/// </summary>
public abstract class DeliveryGateTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Send_EleventhUrgentSmsOfOneEventTypeWithinAnHour_SuppressedByTheCeilingTracedAndCounted()
    {
        var otp = HeraldServerFixture.NewId("otp");
        var other = HeraldServerFixture.NewId("reset");
        await SmsTemplateAsync(otp, "Your code is {{code}}");
        await SmsTemplateAsync(other, "Reset code {{code}}");
        var user = HeraldServerFixture.NewId("user");
        var bystander = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100301");
        await server.PutUserAsync(bystander, phone: "+15550100302");
        var before = MetricsText.Value(await MetricsText.ScrapeAsync(server.Client), "herald_suppressions_total{channel=\"sms\",environment=\"env_default\",reason=\"urgent_ceiling\"}");

        var loop = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            loop.Add(await SendUrgentSmsAsync(otp, user, $"{100000 + i}"));
            // One at a time, as a loop would: the 11th is claimed after the first ten.
            await WaitSettledAsync(loop[^1]);
        }

        var otherEvent = await SendUrgentSmsAsync(other, user, "777777");
        var otherUser = await SendUrgentSmsAsync(otp, bystander, "888888");

        var deliveries = new List<JsonNode>();
        foreach (var id in loop)
        {
            deliveries.Add((await server.GetNotificationAsync(id))["deliveries"]![0]!);
        }

        deliveries.Take(10).ShouldAllBe(d => d.Str("status") == "sent");
        var stopped = deliveries[10];
        stopped.Str("status").ShouldBe("suppressed");
        stopped.Str("last_error").ShouldStartWith($"urgent ceiling of 10 sms per 1 h for {otp} reached (10 sent since ");
        var trace = (await server.GetNotificationAsync(loop[10]))["trace"]!.AsArray();
        trace.ShouldContain(t => t!.Str("stage") == "gate" && t.Str("decision") == "suppressed" && t.Str("reason").StartsWith("urgent ceiling of 10 sms", StringComparison.Ordinal));
        (await WaitSettledAsync(otherEvent))["deliveries"]![0]!.Str("status").ShouldBe("sent", "another event type has its own ceiling");
        (await WaitSettledAsync(otherUser))["deliveries"]![0]!.Str("status").ShouldBe("sent", "another user has their own ceiling");
        await Polling.WaitUntilAsync(async () => MetricsText.Value(await MetricsText.ScrapeAsync(server.Client),
            "herald_suppressions_total{channel=\"sms\",environment=\"env_default\",reason=\"urgent_ceiling\"}") >= before + 1, Polling.DefaultTimeout, "the urgent_ceiling suppression was not counted");
    }

    [Fact]
    public async Task Send_TwoIdenticalUrgentAlerts_BothSent()
    {
        var template = HeraldServerFixture.NewId("card");
        await SmsTemplateAsync(template, "Card declined at {{code}}");
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100303");

        var first = await SendUrgentSmsAsync(template, user, "ACME");
        await WaitSettledAsync(first);
        var second = await SendUrgentSmsAsync(template, user, "ACME");

        (await WaitSettledAsync(first))["deliveries"]![0]!.Str("status").ShouldBe("sent");
        (await WaitSettledAsync(second))["deliveries"]![0]!.Str("status").ShouldBe("sent", "urgent is not deduplicated unless its template says so");
    }

    [Fact]
    public async Task Send_IdenticalContentUnderTemplateDedupWindows_ZeroSendsBothOneHourSuppressesNamingTheEarlierDelivery()
    {
        var off = HeraldServerFixture.NewId("dedup-off");
        var hour = HeraldServerFixture.NewId("dedup-hour");
        await InAppTemplateAsync(off, "PT0S");
        await InAppTemplateAsync(hour, "PT1H");
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user);

        var offFirst = await SendInAppAsync(off, user);
        await WaitSettledAsync(offFirst);
        var offSecond = await SendInAppAsync(off, user);
        var hourFirst = await SendInAppAsync(hour, user);
        await WaitSettledAsync(hourFirst);
        var hourSecond = await SendInAppAsync(hour, user);

        (await WaitSettledAsync(offSecond))["deliveries"]![0]!.Str("status").ShouldBe("sent", "window 0: dedup off for this event type");
        var earlier = (await WaitSettledAsync(hourFirst))["deliveries"]![0]!;
        earlier.Str("status").ShouldBe("sent");
        var duplicate = await WaitSettledAsync(hourSecond);
        duplicate["deliveries"]![0]!.Str("status").ShouldBe("suppressed");
        var reason = $"duplicate of delivery {earlier.Str("id")}: same content sent within 1 h";
        duplicate["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "suppressed" && t.Str("reason") == reason);
    }

    [Fact]
    public async Task Send_TemplateNamedUnlikeTheEventType_ItsDedupWindowApplies()
    {
        // The window comes from the notification's own template, not from a template named like its event type.
        var template = HeraldServerFixture.NewId("dedup-own");
        await InAppTemplateAsync(template, "PT0S");
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user);

        var first = await server.SendAsync(new JsonObject
        {
            ["event_type"] = "card.declined", ["recipient_id"] = user, ["template_id"] = template, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject(),
        });
        await WaitSettledAsync(first);
        var second = await server.SendAsync(new JsonObject
        {
            ["event_type"] = "card.declined", ["recipient_id"] = user, ["template_id"] = template, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject(),
        });

        (await WaitSettledAsync(second))["deliveries"]![0]!.Str("status").ShouldBe("sent", "the template's window 0 turns dedup off (the default 10 min would suppress it)");
    }

    private Task<int> SmsTemplateAsync(string id, string body) =>
        server.CreateTemplateAsync(id, new JsonObject { ["sms"] = new JsonObject { ["body"] = body } }, ["code"]);

    private async Task InAppTemplateAsync(string id, string window)
    {
        using var created = await server.Client.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = id,
            ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Same", ["body"] = "Same every time" } },
            ["dedup"] = new JsonObject { ["window"] = window },
        });
        var version = (await created.ShouldHaveStatusAsync(201))["version"]!.GetValue<int>();
        using var published = await server.Client.PostAsync(new Uri($"/api/v1/templates/{id}/versions/{version}/publish", UriKind.Relative), null);
        (await published.ShouldHaveStatusAsync(200))["dedup"]!.Str("window").ShouldBe(window);
    }

    private Task<string> SendUrgentSmsAsync(string eventType, string user, string code) => server.SendAsync(new JsonObject
    {
        ["event_type"] = eventType, ["recipient_id"] = user, ["priority"] = "urgent", ["channels"] = new JsonArray("sms"), ["data"] = new JsonObject { ["code"] = code },
    });

    private Task<string> SendInAppAsync(string eventType, string user) => server.SendAsync(new JsonObject
    {
        ["event_type"] = eventType, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject(),
    });

    private Task<JsonNode> WaitSettledAsync(string id) =>
        server.WaitForNotificationAsync(id, n => n["status"]!.GetValue<string>() == "completed", Settled);
}
