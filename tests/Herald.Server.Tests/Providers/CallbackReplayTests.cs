using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Providers.Twilio;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;
using Herald.Testing;

namespace Herald.Server.Tests.Providers;

/// <summary>
/// SendGrid (email1, signed with a key the tests hold) and Twilio (sms1) on the sandbox, with Mailgun (mg1) and Vonage
/// without a SignatureSecret (vn1) as failover routes that never send here; on SQLite or PostgreSQL.
/// </summary>
public abstract class CallbackFixture : SandboxedHeraldFixture
{
    public const string TwilioToken = "sandbox-auth-token";
    public const string MailgunKey = "mailgun-test-signing-key";

    private readonly ECDsa _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    protected virtual Dictionary<string, string?> EngineSettings => [];

    /// <summary>Signs a SendGrid event post as SendGrid does (timestamp header + body).</summary>
    public string SignSendGrid(string timestamp, string body) =>
        Convert.ToBase64String(_sendGridKey.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    protected override Dictionary<string, string?> SandboxSettings(string publicBaseUrl) =>
        new() { ["Sandbox:sendgrid:SigningKey"] = Convert.ToBase64String(_sendGridKey.ExportPkcs8PrivateKey()) };

    protected override async Task PrepareSandboxAsync(SandboxHost sandbox)
    {
        (await SandboxAdmin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/sendgrid", new { url = $"{PublicBaseUrl}/api/v1/webhooks/email1" })).EnsureSuccessStatusCode();
        (await SandboxAdmin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/twilio", new { url = $"{PublicBaseUrl}/api/v1/webhooks/sms1" })).EnsureSuccessStatusCode();
    }

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox)
    {
        var settings = TwilioSandbox.Settings(sandbox,
            ("Providers:email1:Type", "sendgrid"),
            ("Providers:email1:BaseUrl", sandbox.BaseUrl),
            ("Providers:email1:ApiKey", "SG.sandbox-key"),
            ("Providers:email1:From", "Herald <noreply@herald.test>"),
            ("Providers:email1:WebhookPublicKey", Convert.ToBase64String(_sendGridKey.ExportSubjectPublicKeyInfo())),
            ("Providers:mg1:Type", "mailgun"),
            ("Providers:mg1:BaseUrl", sandbox.BaseUrl),
            ("Providers:mg1:ApiKey", "key-sandbox"),
            ("Providers:mg1:Domain", "mg.herald.test"),
            ("Providers:mg1:From", "Herald <noreply@herald.test>"),
            ("Providers:mg1:WebhookSigningKey", MailgunKey),
            ("Channels:email:Providers", "email1,mg1"),
            ("Providers:vn1:Type", "vonage"),
            ("Providers:vn1:BaseUrl", sandbox.BaseUrl),
            ("Providers:vn1:ApiKey", "sandbox-key"),
            ("Providers:vn1:ApiSecret", "sandbox-secret"),
            ("Providers:vn1:From", "Herald"),
            ("Channels:sms:Providers", "sms1,vn1"),
            // Low enough that one test can pass it: ten hits per link, twelve per client address, per minute.
            ("Tracking:RecordsPerLinkPerMinute", "10"),
            ("Tracking:RecordsPerAddressPerMinute", "12"),
            ("Pipeline:DedupWindow", "00:00:00.001"));
        foreach (var (key, value) in EngineSettings)
        {
            settings[key] = value;
        }

        return settings;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _sendGridKey.Dispose();
    }
}

public sealed class SqliteCallbackFixture : CallbackFixture;

public sealed class PostgresCallbackFixture : CallbackFixture
{
    private readonly Dictionary<string, string?> _engine = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_callbacks"),
    };

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

/// <summary>
/// Issue 16, items 4 and 5: provider callbacks are applied once (replays ignored), fail closed without a secret, skip
/// unknown message ids without rejecting the batch and answer alike whatever ids they name; opens are read, not written,
/// once recorded, and past the rate limits they are served but not recorded.
/// </summary>
public abstract class CallbackReplayTests(CallbackFixture herald)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TwilioInbound_StartReplayedAfterStop_OptOutStays()
    {
        var phone = $"+1555{Random.Shared.Next(4000000, 4999999)}";
        var start = Inbound(phone, "START");
        using (var first = await PostTwilioAsync(start))
        {
            await first.ShouldHaveStatusAsync(200);
        }

        using (var stop = await PostTwilioAsync(Inbound(phone, "STOP")))
        {
            await stop.ShouldHaveStatusAsync(200);
        }

        (await SuppressionsAsync("sms", phone)).Count.ShouldBe(1);

        using var replay = await PostTwilioAsync(start);
        (await replay.ShouldHaveStatusAsync(200))["events"]!.GetValue<int>().ShouldBe(1);
        (await SuppressionsAsync("sms", phone)).Single()!.Str("reason").ShouldBe("opt-out");
    }

    [Fact]
    public async Task TwilioInbound_StopThenStart_AppliesInEveryEnvironment()
    {
        var phone = $"+1555{Random.Shared.Next(5000000, 5999999)}";
        using var app = await herald.Client.PostJsonAsync("/api/v1/apps", new JsonObject { ["name"] = HeraldServerFixture.NewId("app") });
        using var env = await herald.Client.PostJsonAsync("/api/v1/environments", new JsonObject { ["app_id"] = (await app.ShouldHaveStatusAsync(201)).Str("id"), ["name"] = "production" });
        var envId = (await env.ShouldHaveStatusAsync(201)).Str("id");
        using var key = await herald.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "reader", ["environment"] = envId, ["scopes"] = new JsonArray("notifications:read") });
        using var other = herald.CreateClient((await key.ShouldHaveStatusAsync(201)).Str("secret"));
        async Task<JsonArray> InOtherAsync() =>
            (await other.GetJsonAsync($"/api/v1/suppressions?channel=sms&address={Uri.EscapeDataString(phone)}"))["suppressions"]!.AsArray();

        using (var stop = await PostTwilioAsync(Inbound(phone, "STOP")))
        {
            await stop.ShouldHaveStatusAsync(200);
        }

        (await SuppressionsAsync("sms", phone)).Single()!.Str("reason").ShouldBe("opt-out");
        (await InOtherAsync()).Single()!.Str("reason").ShouldBe("opt-out");

        using (var start = await PostTwilioAsync(Inbound(phone, "START")))
        {
            await start.ShouldHaveStatusAsync(200);
        }

        (await SuppressionsAsync("sms", phone)).ShouldBeEmpty();
        (await InOtherAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendGridEvents_BatchReplayed_AppliedOnce()
    {
        var (id, deliveryId) = await SendEmailAsync("replay");
        var batch = new JsonArray(Event("open", deliveryId), Event("click", deliveryId)).ToJsonString();

        for (var i = 0; i < 3; i++)
        {
            using var response = await PostSendGridAsync(batch);
            (await response.ShouldHaveStatusAsync(200))["events"]!.GetValue<int>().ShouldBe(2);
        }

        var n = await herald.GetNotificationAsync(id);
        n["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("clicked");
        var trace = n["trace"]!.AsArray();
        trace.Count(t => t!.Str("stage") == "track" && t.Str("decision") == "opened").ShouldBe(1);
        trace.Count(t => t!.Str("stage") == "track" && t.Str("decision") == "clicked").ShouldBe(1);
    }

    [Fact]
    public async Task SendGridEvents_OneUnknownMessageId_KnownAppliedAnd200WithSkipCounted()
    {
        var (id, deliveryId) = await SendEmailAsync("unknown");
        var before = MetricsText.Value(await MetricsText.ScrapeAsync(herald.Client), UnknownSeries("email1"));
        var unknown = new JsonObject
        {
            ["email"] = "someone-else@example.com", ["event"] = "bounce", ["type"] = "bounce", ["timestamp"] = Now(),
            ["sg_event_id"] = Guid.NewGuid().ToString("N"), ["sg_message_id"] = $"not-ours-{Guid.NewGuid():N}.filter0001",
        };

        using var response = await PostSendGridAsync(new JsonArray(unknown, Event("open", deliveryId)).ToJsonString());
        (await response.ShouldHaveStatusAsync(200))["events"]!.GetValue<int>().ShouldBe(2);

        (await herald.GetNotificationAsync(id))["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("opened");
        MetricsText.Value(await MetricsText.ScrapeAsync(herald.Client), UnknownSeries("email1")).ShouldBe(before + 1);
    }

    [Fact]
    public async Task Callbacks_UnknownMessageId_AnsweredLikeAKnownOne()
    {
        var (_, deliveryId) = await SendEmailAsync("alike");
        using var known = await PostSendGridAsync(new JsonArray(Event("open", deliveryId)).ToJsonString());
        using var unknown = await PostSendGridAsync(new JsonArray(Event("open", "d-" + Guid.NewGuid().ToString("N"))).ToJsonString());
        known.StatusCode.ShouldBe(HttpStatusCode.OK);
        unknown.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await unknown.Content.ReadAsStringAsync()).ShouldBe(await known.Content.ReadAsStringAsync());

        // Twilio: a status callback for a MessageSid Herald never sent is answered as any other.
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", "SM" + Guid.NewGuid().ToString("N")), new("MessageStatus", "delivered"), new("AccountSid", "AC00000000000000000000000000000000"),
        };
        using var twilio = await PostTwilioAsync(form);
        (await twilio.ShouldHaveStatusAsync(200))["events"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task MailgunWebhook_ReplayedWithTheSameToken_Ignored()
    {
        var address = $"mg-{Guid.NewGuid():N}@example.com";
        var signature = MailgunSignature();
        using (var first = await PostMailgunAsync(signature, address))
        {
            await first.ShouldHaveStatusAsync(200);
        }

        (await SuppressionsAsync("email", address)).Single()!.Str("reason").ShouldBe("opt-out");
        using (var removed = await herald.Client.DeleteAsync($"/api/v1/suppressions/email/{Uri.EscapeDataString(address)}"))
        {
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // The same signature again, as sent and with another address in the (unsigned) event-data: both ignored.
        var other = $"mg-{Guid.NewGuid():N}@example.com";
        using (var replay = await PostMailgunAsync(signature, address))
        {
            await replay.ShouldHaveStatusAsync(200);
        }

        using (var swapped = await PostMailgunAsync(signature, other))
        {
            await swapped.ShouldHaveStatusAsync(200);
        }

        (await SuppressionsAsync("email", address)).ShouldBeEmpty();
        (await SuppressionsAsync("email", other)).ShouldBeEmpty();
    }

    [Fact]
    public async Task VonageReceipt_WithoutSignatureSecret_RefusedAndReportedOff()
    {
        var url = $"{herald.PublicBaseUrl}/api/v1/webhooks/vn1";
        using var client = new HttpClient();
        using var response = await client.PostAsync(url, new FormUrlEncodedContent(
        [
            new("messageId", "0A0000000123ABCD1"), new("status", "delivered"), new("msisdn", "15550001111"), new("to", "Herald"),
            new("client-ref", "d-" + Guid.NewGuid().ToString("N")), new("message-timestamp", "2026-01-01 00:00:00"),
        ]));
        using var problem = await response.ShouldBeProblemAsync(401, "bad-signature");
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("SignatureSecret");

        var providers = await herald.ProvidersAsync();
        SandboxedHeraldFixture.Provider(providers, "vn1")["callbacks"]!.GetValue<string>().ShouldBe("off");
        SandboxedHeraldFixture.Provider(providers, "sms1")["callbacks"]!.GetValue<string>().ShouldBe("on");
        SandboxedHeraldFixture.Provider(providers, "email1")["callbacks"]!.GetValue<string>().ShouldBe("on");
    }

    [Fact]
    public async Task OpenPixel_HitAHundredTimes_OneWriteAndPastTheLimitsNotRecorded()
    {
        var (id, _, pixel, click) = await SendTrackedEmailAsync("pixel-a");
        var (otherId, _, otherPixel, otherClick) = await SendTrackedEmailAsync("pixel-b");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        for (var i = 0; i < 100; i++)
        {
            using var hit = await browser.GetAsync(pixel);
            hit.StatusCode.ShouldBe(HttpStatusCode.OK);
            hit.Content.Headers.ContentType!.MediaType.ShouldBe("image/gif");
        }

        var n = await herald.GetNotificationAsync(id);
        n["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("opened");
        n["trace"]!.AsArray().Count(t => t!.Str("decision") == "opened").ShouldBe(1);

        // Ten of the address's twelve hits a minute went to the first pixel; the other email's pixel and link past the
        // address limit are still answered (a gif, a redirect) and one more recorded, then nothing.
        for (var i = 0; i < 5; i++)
        {
            using var hit = await browser.GetAsync(otherPixel);
            hit.Content.Headers.ContentType!.MediaType.ShouldBe("image/gif");
            using var redirect = await browser.GetAsync(otherClick);
            redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using (var last = await browser.GetAsync(click))
        {
            last.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        (await herald.GetNotificationAsync(id))["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("opened");
        var other = await herald.GetNotificationAsync(otherId);
        other["trace"]!.AsArray().Count(t => t!.Str("decision") is "opened" or "clicked").ShouldBe(2);
    }

    private static string UnknownSeries(string provider) => $"herald_callbacks_total{{provider=\"{provider}\",result=\"unknown_message\"}}";

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static JsonObject Event(string kind, string deliveryId) => new()
    {
        ["email"] = "user@example.com", ["event"] = kind, ["timestamp"] = Now(), ["sg_event_id"] = Guid.NewGuid().ToString("N"),
        ["sg_message_id"] = $"msg-{Guid.NewGuid():N}.filter0001", ["herald_delivery_id"] = deliveryId,
        ["url"] = kind == "click" ? "https://shop.example/" : null,
    };

    private async Task<(string Id, string DeliveryId)> SendEmailAsync(string prefix)
    {
        var (id, deliveryId, _, _) = await SendTrackedEmailAsync(prefix);
        return (id, deliveryId);
    }

    private async Task<(string Id, string DeliveryId, string Pixel, string Click)> SendTrackedEmailAsync(string prefix)
    {
        await herald.CreateTemplateAsync("cb-mail", new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "Hello", ["html"] = "<html><body><a href=\"https://shop.example/x\">x</a></body></html>", ["text"] = "x" },
        });
        var user = HeraldServerFixture.NewId(prefix);
        var address = $"{prefix}-{Guid.NewGuid():N}@example.com";
        await herald.PutUserAsync(user, email: address);
        var id = await herald.SendAsync(new JsonObject { ["event_type"] = "callbacks.test", ["recipient_id"] = user, ["template_id"] = "cb-mail", ["data"] = new JsonObject() });
        var n = await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Any(d => d!.Str("status") == "delivered"), Wait);
        var message = (await herald.SandboxMessagesAsync("sendgrid", address)).Single()!;
        var html = message["fields"]!["content"]!.AsArray().Single(c => c!.Str("type") == "text/html")!.Str("value");
        return (id, n["deliveries"]!.AsArray().Single()!.Str("id"),
            Regex.Match(html, "<img src=\"(http://127\\.0\\.0\\.1:\\d+/t/o/[^\"]+)\"").Groups[1].Value,
            Regex.Match(html, "href=\"(http://127\\.0\\.0\\.1:\\d+/t/c/[^\"]+)\"").Groups[1].Value);
    }

    private async Task<HttpResponseMessage> PostSendGridAsync(string body)
    {
        var timestamp = Now().ToString(CultureInfo.InvariantCulture);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{herald.PublicBaseUrl}/api/v1/webhooks/email1")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", herald.SignSendGrid(timestamp, body));
        return await client.SendAsync(request);
    }

    private static List<KeyValuePair<string, string>> Inbound(string from, string body) =>
    [
        new("MessageSid", "SM" + Guid.NewGuid().ToString("N")), new("AccountSid", "AC00000000000000000000000000000000"),
        new("From", from), new("To", "+15550006000"), new("Body", body),
    ];

    private async Task<HttpResponseMessage> PostTwilioAsync(List<KeyValuePair<string, string>> form)
    {
        var url = $"{herald.PublicBaseUrl}/api/v1/webhooks/sms1";
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(CallbackFixture.TwilioToken, url, form));
        return await client.SendAsync(request);
    }

    private static JsonObject MailgunSignature()
    {
        var timestamp = Now().ToString(CultureInfo.InvariantCulture);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25));
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(CallbackFixture.MailgunKey), Encoding.UTF8.GetBytes(timestamp + token)));
        return new JsonObject { ["timestamp"] = timestamp, ["token"] = token, ["signature"] = signature };
    }

    private async Task<HttpResponseMessage> PostMailgunAsync(JsonObject signature, string recipient)
    {
        var body = new JsonObject
        {
            ["signature"] = signature.DeepClone(),
            ["event-data"] = new JsonObject { ["event"] = "unsubscribed", ["recipient"] = recipient, ["timestamp"] = Now() },
        };
        using var client = new HttpClient();
        return await client.PostAsync($"{herald.PublicBaseUrl}/api/v1/webhooks/mg1", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    private async Task<JsonArray> SuppressionsAsync(string channel, string address) =>
        (await herald.Client.GetJsonAsync($"/api/v1/suppressions?channel={channel}&address={Uri.EscapeDataString(address)}"))["suppressions"]!.AsArray();
}

public sealed class SqliteCallbackReplayTests(SqliteCallbackFixture herald) : CallbackReplayTests(herald), IClassFixture<SqliteCallbackFixture>;

public sealed class PostgresCallbackReplayTests(PostgresCallbackFixture herald) : CallbackReplayTests(herald), IClassFixture<PostgresCallbackFixture>;
