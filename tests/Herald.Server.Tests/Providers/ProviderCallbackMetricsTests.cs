using System.Text.Json.Nodes;
using Herald.Providers.Twilio;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;

namespace Herald.Server.Tests.Providers;

/// <summary>Inbound status callbacks in /metrics: counted by result, and the lag of applied events observed.</summary>
public sealed class ProviderCallbackMetricsTests(ProviderLifecycleFixture herald) : IClassFixture<ProviderLifecycleFixture>
{
    [Fact]
    public async Task Callbacks_AppliedAndRefused_CountedByResultWithLag()
    {
        var url = $"{herald.PublicBaseUrl}/api/v1/webhooks/sms1";
        var form = new List<KeyValuePair<string, string>> { new("MessageSid", "SM" + new string('1', 32)), new("MessageStatus", "delivered"), new("AccountSid", "AC00000000000000000000000000000000") };
        using (var unsigned = await PostForm(url, form, "bad-signature"))
        {
            ((int)unsigned.StatusCode).ShouldBe(401);
        }

        using (var unknown = await PostForm(url, form, TwilioSignature.Compute(ProviderLifecycleFixture.TwilioToken, url, form)))
        {
            ((int)unknown.StatusCode).ShouldBe(200);
        }

        using (var nobody = await PostForm($"{herald.PublicBaseUrl}/api/v1/webhooks/no-such-{Guid.NewGuid():N}", form, "x"))
        {
            ((int)nobody.StatusCode).ShouldBe(404);
        }

        // A real SMS through the Twilio sandbox, whose status callback (delivered) Herald applies.
        await herald.CreateTemplateAsync("metrics-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{n}}" } }, ["n"]);
        var user = HeraldServerFixture.NewId("metrics");
        await herald.PutUserAsync(user, phone: $"+1555{Random.Shared.Next(3000000, 3999999)}");
        var id = await herald.SendAsync(new JsonObject { ["event_type"] = "metrics-sms", ["recipient_id"] = user, ["data"] = new JsonObject { ["n"] = "7" } });
        try
        {
            await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Any(d => d!.Str("status") == "delivered"), TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException ex)
        {
            // What the sandbox did (its callbacks sent, failed or still pending) tells a lost callback from a slow send.
            var sandbox = await herald.SandboxAdmin.GetStringAsync(new Uri($"{herald.Sandbox.BaseUrl}/_sandbox/"));
            throw new TimeoutException($"{ex.Message}; sandbox: {sandbox}", ex);
        }

        var text = await MetricsText.ScrapeAsync(herald.Client);
        MetricsText.Value(text, "herald_callbacks_total{provider=\"sms1\",result=\"rejected\"}").ShouldBe(1);
        MetricsText.Value(text, "herald_callbacks_total{provider=\"sms1\",result=\"unknown_message\"}").ShouldBe(1);
        MetricsText.Value(text, "herald_callbacks_total{provider=\"unknown\",result=\"unknown_provider\"}").ShouldBe(1);
        MetricsText.Value(text, "herald_callbacks_total{provider=\"sms1\",result=\"applied\"}").ShouldBeGreaterThanOrEqualTo(1);
        MetricsText.Value(text, "herald_callback_lag_seconds_count{provider=\"sms1\"}").ShouldBeGreaterThanOrEqualTo(1);
        text.ShouldNotContain("no-such-");
    }

    private static async Task<HttpResponseMessage> PostForm(string url, List<KeyValuePair<string, string>> form, string signature)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);
        return await client.SendAsync(request);
    }
}
