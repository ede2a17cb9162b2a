using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

public sealed class SmsFailoverFixture : SandboxedHeraldFixture
{
    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => new()
    {
        ["Herald:Providers:sms1:Type"] = "twilio",
        ["Herald:Providers:sms1:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:sms1:AccountSid"] = "AC00000000000000000000000000000000",
        ["Herald:Providers:sms1:AuthToken"] = "sandbox-auth-token",
        ["Herald:Providers:sms1:From"] = "+15550006000",
        ["Herald:Providers:sms1:Timeout"] = "00:00:02",
        ["Herald:Providers:sms1:CircuitMinimumThroughput"] = "5",
        ["Herald:Providers:sms1:CircuitSamplingDuration"] = "00:00:10",
        ["Herald:Providers:sms1:CircuitBreakDuration"] = "00:00:01",
        ["Herald:Providers:sms2:Type"] = "vonage",
        ["Herald:Providers:sms2:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:sms2:ApiKey"] = "sandbox-key",
        ["Herald:Providers:sms2:ApiSecret"] = "sandbox-secret",
        ["Herald:Providers:sms2:From"] = "Herald",
        ["Herald:Channels:sms:Providers"] = "sms1,sms2",
        ["Herald:Pipeline:RateLimits:sms"] = "1000/1s",
    };
}

/// <summary>Primary SMS provider (Twilio) fails 100 %: everything goes out through the secondary (Vonage), the circuit
/// opens, and after the primary recovers it half-opens and closes again; the trace shows every switch.</summary>
public sealed class SmsFailoverTests(SmsFailoverFixture herald) : IClassFixture<SmsFailoverFixture>
{
    [Fact]
    public async Task Primary_outage_fails_over_to_the_secondary_and_the_circuit_recovers()
    {
        await herald.CreateTemplateAsync("failover-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Your code is {{code}}" } }, ["code"]);
        await herald.SetFaultsAsync("twilio", new { error_rate = 1.0, error_status = 503 });

        var phones = new List<string>();
        var notifications = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var user = HeraldServerFixture.NewId("fo");
            var phone = $"+1555700{i:D4}";
            phones.Add(phone);
            await herald.PutUserAsync(user, phone: phone);
            notifications.Add(await herald.SendAsync(new JsonObject
            {
                ["event_type"] = "otp.requested", ["recipient_id"] = user, ["template_id"] = "failover-sms", ["data"] = new JsonObject { ["code"] = $"{i:D6}" },
            }));
        }

        await herald.WaitForIdleAsync(TimeSpan.FromSeconds(60));
        foreach (var id in notifications)
        {
            var n = await herald.GetNotificationAsync(id);
            var delivery = n["deliveries"]!.AsArray().Single()!;
            delivery.Str("status").ShouldBeOneOf("sent", "delivered");
            delivery.Str("provider").ShouldBe("sms2");
        }

        (await herald.SandboxMessagesAsync("vonage")).Count.ShouldBe(30);
        (await herald.SandboxMessagesAsync("twilio")).Count.ShouldBe(0);

        var first = await herald.GetNotificationAsync(notifications[0]);
        first["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "failover" && t!.Str("reason").Contains("sms1: 503", StringComparison.Ordinal));
        var last = await herald.GetNotificationAsync(notifications[^1]);
        last["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "skipped" && t!.Str("reason").Contains("sms1: circuit open", StringComparison.Ordinal));
        var during = SandboxedHeraldFixture.Provider(await herald.ProvidersAsync(), "sms1");
        during["circuit"]!.GetValue<string>().ShouldBe("open");
        during["stats"]!["error_rate"]!.GetValue<double>().ShouldBe(1.0);

        // An open circuit degrades readiness (200, status degraded) instead of failing it; /metrics shows the state.
        using (var ready = await herald.Client.GetAsync(new Uri("/readyz", UriKind.Relative)))
        {
            var body = await ready.ShouldHaveStatusAsync(200);
            body.Str("status").ShouldBe("degraded");
            body["checks"]!.Str("provider:sms1").ShouldBe("degraded (circuit open)");
            body["checks"]!.Str("provider:sms2").ShouldBe("ok (circuit closed)");
        }

        var metrics = await Observability.MetricsText.ScrapeAsync(herald.Client);
        Observability.MetricsText.Value(metrics, "herald_provider_circuit_state{provider=\"sms1\",state=\"open\"}").ShouldBe(1);
        Observability.MetricsText.Value(metrics, "herald_provider_circuit_state{provider=\"sms1\",state=\"closed\"}").ShouldBe(0);
        Observability.MetricsText.Value(metrics, "herald_deliveries_total{channel=\"sms\",environment=\"env_default\",outcome=\"sent\",provider=\"sms2\"}").ShouldBe(30);
        Observability.MetricsText.Value(metrics, "herald_provider_request_duration_seconds_count{channel=\"sms\",outcome=\"retry\",provider=\"sms1\"}").ShouldBeGreaterThanOrEqualTo(5);

        // The primary recovers: after the break the next send is the half-open trial, it succeeds, the circuit closes.
        // The trial goes alone: sends claimed beside it while it is out go to the secondary (one trial at a time).
        await herald.ClearFaultsAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        var after = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            if (i == 1)
            {
                await herald.WaitForIdleAsync(TimeSpan.FromSeconds(30));
            }

            var user = HeraldServerFixture.NewId("fo-back");
            await herald.PutUserAsync(user, phone: $"+1555701{i:D4}");
            after.Add(await herald.SendAsync(new JsonObject
            {
                ["event_type"] = "otp.requested", ["recipient_id"] = user, ["template_id"] = "failover-sms", ["data"] = new JsonObject { ["code"] = $"9{i:D5}" },
            }));
        }

        await herald.WaitForIdleAsync(TimeSpan.FromSeconds(30));
        foreach (var id in after)
        {
            (await herald.GetNotificationAsync(id))["deliveries"]!.AsArray().Single()!.Str("provider").ShouldBe("sms1");
        }

        var recovered = SandboxedHeraldFixture.Provider(await herald.ProvidersAsync(), "sms1");
        recovered["circuit"]!.GetValue<string>().ShouldBe("closed");
        var states = recovered["transitions"]!.AsArray().Select(t => t!.Str("state")).ToList();
        states.ShouldBe(["open", "half_open", "closed"]);
        (await herald.Client.GetJsonAsync("/readyz")).Str("status").ShouldBe("ready");
        (await herald.SandboxMessagesAsync("twilio")).Count.ShouldBe(5);
    }
}
