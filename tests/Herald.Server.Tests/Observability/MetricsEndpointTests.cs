using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Observability;

/// <summary>A server whose SMS goes through a routed capture provider, with a 100 ms webhook retry and 200 ms queue gauges.</summary>
public sealed class MetricsServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Webhooks:RetrySchedule"] = "100ms",
        ["Herald:Metrics:QueueInterval"] = "00:00:00.200",
        ["Herald:Providers:sms-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-capture",
    };
}

/// <summary>A live scrape of /metrics after real traffic: the golden signals are there, with the right values, and promtool accepts it.</summary>
public sealed class MetricsEndpointTests(MetricsServerFixture server) : IClassFixture<MetricsServerFixture>
{
    [Fact]
    public async Task Metrics_AfterSendsAndADeadLetter_ExposeGoldenSignalsThatPromtoolAccepts()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100200");
        var sent = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app", "sms"), ["data"] = new JsonObject { ["name"] = "m" },
        });
        // The same content to the same recipient again: the gate suppresses it as a duplicate.
        var duplicate = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "m" },
        });
        await server.WaitForCompletedAsync(sent);
        await server.WaitForCompletedAsync(duplicate);
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        await ArrangeDeadWebhookAsync(template, receiver);

        string text = "";
        await Polling.WaitUntilAsync(async () => Value(text = await ScrapeAsync(), "herald_dlq_depth") >= 1, Polling.DefaultTimeout, "herald_dlq_depth never reached 1");

        Value(text, "herald_notifications_accepted_total{environment=\"env_default\",priority=\"normal\"}").ShouldBeGreaterThanOrEqualTo(3);
        Value(text, "herald_deliveries_total{channel=\"sms\",environment=\"env_default\",outcome=\"sent\",provider=\"sms-capture\"}").ShouldBeGreaterThanOrEqualTo(1);
        Value(text, "herald_deliveries_total{channel=\"webhook\",environment=\"env_default\",outcome=\"retry\",provider=\"webhook\"}").ShouldBeGreaterThanOrEqualTo(1);
        Value(text, "herald_suppressions_total{channel=\"in_app\",environment=\"env_default\",reason=\"duplicate\"}").ShouldBeGreaterThanOrEqualTo(1);
        Value(text, "herald_provider_request_duration_seconds_count{channel=\"sms\",outcome=\"sent\",provider=\"sms-capture\"}").ShouldBeGreaterThanOrEqualTo(1);
        Value(text, "herald_delivery_latency_seconds_bucket{channel=\"in_app\",priority=\"normal\",le=\"+Inf\"}").ShouldBeGreaterThanOrEqualTo(1);
        MetricsText.Has(text, "herald_queue_depth{channel=\"sms\",priority=\"urgent\"}").ShouldBeTrue();
        Value(text, "herald_queue_depth{channel=\"sms\",priority=\"urgent\"}").ShouldBe(0);
        MetricsText.Has(text, "herald_queue_oldest_age_seconds{channel=\"email\",priority=\"low\"}").ShouldBeTrue();
        Value(text, "herald_queue_oldest_age_seconds{channel=\"email\",priority=\"low\"}").ShouldBe(0);
        Value(text, "herald_provider_circuit_state{provider=\"sms-capture\",state=\"closed\"}").ShouldBe(1);
        MetricsText.Has(text, "herald_provider_circuit_state{provider=\"sms-capture\",state=\"open\"}").ShouldBeTrue();
        Value(text, "herald_provider_circuit_state{provider=\"sms-capture\",state=\"open\"}").ShouldBe(0);
        Value(text, "herald_sqlite_writer_busy_seconds_total").ShouldBeGreaterThan(0, "the embedded writer's busy time");
        Value(text, "herald_sqlite_writer_transactions_total").ShouldBeGreaterThanOrEqualTo(3);
        Value(text, "process_cpu_seconds_total").ShouldBeGreaterThan(0);
        Value(text, "process_resident_memory_bytes").ShouldBeGreaterThan(0);
        text.ShouldContain("# TYPE http_server_request_duration_seconds histogram");
        text.ShouldContain("# TYPE dotnet_process_cpu_time_seconds_total counter");
        text.ShouldNotContain(user);
        text.ShouldNotContain("+15550100200");

        var (exitCode, output) = await Promtool.RunAsync(["check", "metrics"], text);

        exitCode.ShouldBe(0, output);
    }

    [Fact]
    public async Task Metrics_SendInAnotherEnvironment_CountedUnderItsEnvironmentLabel()
    {
        using var app = await server.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });
        using var env = await server.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = (await app.ShouldHaveStatusAsync(201)).Str("id"), ["name"] = "staging" });
        var envId = (await env.ShouldHaveStatusAsync(201)).Str("id");
        using var key = await server.Client.PostJsonAsync("/api/v1/keys", new JsonObject
        {
            ["name"] = "staging", ["environment"] = envId, ["scopes"] = new JsonArray("notifications:send", "notifications:read", "templates:write"),
        });
        using var staging = server.CreateClient((await key.ShouldHaveStatusAsync(201)).Str("secret"));
        var template = HeraldServerFixture.NewId("tpl");
        using (var created = await staging.PostJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = template, ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "t", ["body"] = "b" } },
        }))
        {
            var version = (await created.ShouldHaveStatusAsync(201))["version"]!.GetValue<int>();
            using var published = await staging.PostEmptyAsync($"/api/v1/templates/{template}/versions/{version}/publish");
            await published.ShouldHaveStatusAsync(200);
        }

        using var sent = await staging.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = HeraldServerFixture.NewId("user"), ["template_id"] = template, ["priority"] = "low",
        });
        var id = (await sent.ShouldHaveStatusAsync(202)).Str("id");
        await Polling.WaitUntilAsync(async () => (await staging.GetJsonAsync($"/api/v1/notifications/{id}")).Str("status") == "completed", Polling.DefaultTimeout, "not completed");

        var text = await ScrapeAsync();
        Value(text, $"herald_notifications_accepted_total{{environment=\"{envId}\",priority=\"low\"}}").ShouldBe(1);
        text.Split('\n').Where(l => l.StartsWith("herald_deliveries_total{channel=\"in_app\",environment=\"" + envId + "\",outcome=\"sent\"", StringComparison.Ordinal))
            .ShouldHaveSingleItem().ShouldEndWith(" 1");
    }

    [Fact]
    public async Task Metrics_Anonymous_AnswersInTheTextFormat()
    {
        using var anonymous = server.CreateClient();

        using var response = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));

        ((int)response.StatusCode).ShouldBe(200);
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        (await response.Content.ReadAsStringAsync()).ShouldContain("# TYPE process_start_time_seconds gauge");
    }

    private Task<string> ScrapeAsync() => MetricsText.ScrapeAsync(server.Client);

    private static double Value(string text, string series) => MetricsText.Value(text, series);

    private async Task ArrangeDeadWebhookAsync(string template, WebhookReceiver receiver)
    {
        var recipient = HeraldServerFixture.NewId("user");
        using (var endpoint = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = receiver.Url.ToString() }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "dlq" },
        });
        (await server.WaitForCompletedAsync(id))["deliveries"]![0].Str("status").ShouldBe("dead");
    }
}
