using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Providers.Twilio;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

/// <summary>Herald with SendGrid (email), Twilio (SMS) and FCM (push) pointed at the sandbox, callbacks included.</summary>
public sealed class ProviderLifecycleFixture : SandboxedHeraldFixture
{
    public const string TwilioToken = "sandbox-auth-token";
    private string _sendGridKey = "";
    private string _serviceAccount = "";

    protected override async Task PrepareSandboxAsync(SandboxHost sandbox)
    {
        var key = await SandboxAdmin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/sendgrid/public-key");
        _sendGridKey = key!["public_key"]!.GetValue<string>();
        _serviceAccount = await SandboxAdmin.GetStringAsync($"{sandbox.BaseUrl}/_sandbox/fcm/service-account");
        (await SandboxAdmin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/sendgrid", new { url = $"{PublicBaseUrl}/api/v1/webhooks/email1" })).EnsureSuccessStatusCode();
        (await SandboxAdmin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/callbacks/twilio", new { url = $"{PublicBaseUrl}/api/v1/webhooks/sms1" })).EnsureSuccessStatusCode();
    }

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => new()
    {
        ["Herald:Providers:email1:Type"] = "sendgrid",
        ["Herald:Providers:email1:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:email1:ApiKey"] = "SG.sandbox-key",
        ["Herald:Providers:email1:From"] = "Herald <noreply@herald.test>",
        ["Herald:Providers:email1:WebhookPublicKey"] = _sendGridKey,
        ["Herald:Channels:email:Providers"] = "email1",
        ["Herald:Providers:sms1:Type"] = "twilio",
        ["Herald:Providers:sms1:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:sms1:AccountSid"] = "AC00000000000000000000000000000000",
        ["Herald:Providers:sms1:AuthToken"] = TwilioToken,
        ["Herald:Providers:sms1:From"] = "+15550006000",
        ["Herald:Channels:sms:Providers"] = "sms1",
        ["Herald:Providers:push1:Type"] = "fcm",
        ["Herald:Providers:push1:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:push1:ServiceAccountJson"] = _serviceAccount,
        ["Herald:Channels:push:Providers"] = "push1",
        ["Herald:Pipeline:DedupWindow"] = "00:00:00.001",
    };
}

public sealed class ProviderLifecycleTests(ProviderLifecycleFixture herald) : IClassFixture<ProviderLifecycleFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Unregistered_push_token_removes_the_device()
    {
        await Template("push-t", new JsonObject { ["push"] = new JsonObject { ["title"] = "Hi", ["body"] = "There" } });
        var user = HeraldServerFixture.NewId("push");
        await herald.PutUserAsync(user);
        using var added = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "unregistered-" + Guid.NewGuid().ToString("N"), ["platform"] = "android" });
        var deviceId = (await added.ShouldHaveStatusAsync(201)).Str("id");

        var id = await Send(user, "push-t");
        var n = await herald.WaitForNotificationAsync(id, x => x.Str("status") == "completed", Wait);

        var d = n["deliveries"]!.AsArray().Single()!;
        d.Str("status").ShouldBe("failed");
        n["trace"]!.AsArray().ShouldContain(t => t!.Str("reason").Contains("device removed", StringComparison.Ordinal));
        using var delete = await herald.Client.DeleteAsync($"/api/v1/users/{user}/devices/{deviceId}");
        delete.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Hard_bounce_reported_by_the_signed_event_webhook_suppresses_the_address()
    {
        await Template("mail-t", new JsonObject { ["email"] = new JsonObject { ["subject"] = "Order {{n}}", ["html"] = "<p>Order {{n}}</p>", ["text"] = "Order {{n}}" } }, "n");
        var user = HeraldServerFixture.NewId("bounce");
        var address = $"bounce-{Guid.NewGuid():N}@example.com";
        await herald.PutUserAsync(user, email: address);

        var first = await Send(user, "mail-t", new JsonObject { ["n"] = "1" });
        var bounced = await herald.WaitForNotificationAsync(first, x => x["deliveries"]!.AsArray().Any(d => d!.Str("status") == "bounced"), Wait);
        bounced["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "track" && t!.Str("decision") == "bounced");
        var suppressions = await herald.Client.GetJsonAsync($"/api/v1/suppressions?channel=email&address={Uri.EscapeDataString(address)}");
        suppressions["suppressions"]!.AsArray().Single()!.Str("reason").ShouldBe("hard bounce");

        var second = await Send(user, "mail-t", new JsonObject { ["n"] = "2" });
        var n = await herald.WaitForNotificationAsync(second, x => x.Str("status") == "completed", Wait);
        n["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("suppressed");
        (await herald.SandboxMessagesAsync("sendgrid", address)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Sms_stop_opts_the_number_out_and_start_opts_it_back_in()
    {
        await Template("sms-t", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Deal {{n}}" } }, "n");
        var user = HeraldServerFixture.NewId("stop");
        var phone = $"+1555{Random.Shared.Next(2000000, 2999999)}";
        await herald.PutUserAsync(user, phone: phone);

        await Inbound(phone, "STOP");
        await Polling.WaitUntilAsync(async () => (await Suppressions("sms", phone)).Count == 1, Wait, "STOP lands on the suppression list");
        var stopped = await Send(user, "sms-t", new JsonObject { ["n"] = "1" });
        (await herald.WaitForNotificationAsync(stopped, x => x.Str("status") == "completed", Wait))["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("suppressed");

        await Inbound(phone, "start");
        await Polling.WaitUntilAsync(async () => (await Suppressions("sms", phone)).Count == 0, Wait, "START lifts the opt-out");
        var resumed = await Send(user, "sms-t", new JsonObject { ["n"] = "2" });
        var n = await herald.WaitForNotificationAsync(resumed, x => x["deliveries"]!.AsArray().Any(d => d!.Str("status") == "delivered"), Wait);
        n["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "track" && t!.Str("decision") == "delivered");
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Badly_signed_or_malformed_callbacks_are_refused_and_unknown_ids_answered_alike()
    {
        var url = $"{herald.PublicBaseUrl}/api/v1/webhooks/sms1";
        var form = new List<KeyValuePair<string, string>> { new("MessageSid", "SM" + new string('0', 32)), new("MessageStatus", "delivered"), new("AccountSid", "AC00000000000000000000000000000000") };

        using var unsigned = await PostForm(url, form, "bad-signature");
        (await unsigned.ShouldBeProblemAsync(401, "bad-signature")).Dispose();

        // A message Herald never sent gets the answer any verified callback gets: nothing tells which ids exist.
        using var unknown = await PostForm(url, form, TwilioSignature.Compute(ProviderLifecycleFixture.TwilioToken, url, form));
        (await unknown.ShouldHaveStatusAsync(200))["events"]!.GetValue<int>().ShouldBe(1);

        var malformed = new List<KeyValuePair<string, string>> { new("Foo", "bar") };
        using var bad = await PostForm(url, malformed, TwilioSignature.Compute(ProviderLifecycleFixture.TwilioToken, url, malformed));
        (await bad.ShouldBeProblemAsync(400, "malformed-callback")).Dispose();

        using var nobody = await PostForm($"{herald.PublicBaseUrl}/api/v1/webhooks/nope", form, "x");
        (await nobody.ShouldBeProblemAsync(404, "unknown-provider")).Dispose();
    }

    [Fact]
    public async Task Opens_and_clicks_are_tracked_and_the_click_link_redirects_only_to_the_signed_url()
    {
        await Template("track-t", new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "Your order", ["html"] = "<html><body><a href=\"https://shop.example/orders/{{n}}\">See order</a></body></html>", ["text"] = "See order" },
        }, "n");
        var user = HeraldServerFixture.NewId("track");
        var address = $"track-{Guid.NewGuid():N}@example.com";
        await herald.PutUserAsync(user, email: address);
        var id = await Send(user, "track-t", new JsonObject { ["n"] = "42" });
        await herald.WaitForNotificationAsync(id, x => x.Str("status") == "completed", Wait);

        var message = (await herald.SandboxMessagesAsync("sendgrid", address)).Single()!;
        var html = message["fields"]!["content"]!.AsArray().Single(c => c!.Str("type") == "text/html")!.Str("value");
        var click = Regex.Match(html, "href=\"(http://127\\.0\\.0\\.1:\\d+/t/c/[^\"]+)\"").Groups[1].Value;
        var pixel = Regex.Match(html, "<img src=\"(http://127\\.0\\.0\\.1:\\d+/t/o/[^\"]+)\"").Groups[1].Value;
        click.ShouldNotBeEmpty();
        pixel.ShouldNotBeEmpty();
        var headers = message["fields"]!["headers"]!.AsObject();
        headers["List-Unsubscribe"]!.GetValue<string>().ShouldContain("/t/u/");
        headers["List-Unsubscribe-Post"]!.GetValue<string>().ShouldBe("List-Unsubscribe=One-Click");

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var open = await browser.GetAsync(pixel);
        open.Content.Headers.ContentType!.MediaType.ShouldBe("image/gif");
        using var redirect = await browser.GetAsync(click);
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        redirect.Headers.Location!.ToString().ShouldBe("https://shop.example/orders/42");
        var tampered = click[..^3] + (click[^3] == 'A' ? "B" : "A") + click[^2..];
        using var forged = await browser.GetAsync(tampered);
        forged.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var n = await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Single()!.Str("status") == "clicked", Wait);
        n["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "opened");

        // One-click unsubscribe (RFC 8058): a POST turns this kind of email off for the recipient.
        var unsubscribe = headers["List-Unsubscribe"]!.GetValue<string>().Trim('<', '>');
        using var get = await browser.GetAsync(unsubscribe);
        get.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().ShouldBeEmpty();
        using var post = await browser.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        post.StatusCode.ShouldBe(HttpStatusCode.OK);
        var rule = (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().Single()!;
        rule.Str("channel").ShouldBe("email");
        rule["enabled"]!.GetValue<bool>().ShouldBeFalse();

        // Posted again (a retrying mail provider, a replayed link): the same answer, and nothing more written.
        for (var i = 0; i < 3; i++)
        {
            using var again = await browser.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await herald.GetNotificationAsync(id))["trace"]!.AsArray().Count(t => t!.Str("decision") == "unsubscribed").ShouldBe(1);
    }

    private Task<int> Template(string id, JsonObject channels, params string[] variables) => herald.CreateTemplateAsync(id, channels, variables);

    private async Task<string> Send(string user, string template, JsonObject? data = null) =>
        await herald.SendAsync(new JsonObject
        {
            ["event_type"] = "lifecycle.test", ["recipient_id"] = user, ["template_id"] = template, ["data"] = data ?? new JsonObject(),
        });

    private async Task Inbound(string from, string body) =>
        (await herald.SandboxAdmin.PostAsJsonAsync($"{herald.Sandbox.BaseUrl}/_sandbox/twilio/inbound", new { from, to = "+15550006000", body })).EnsureSuccessStatusCode();

    private async Task<JsonArray> Suppressions(string channel, string address) =>
        (await herald.Client.GetJsonAsync($"/api/v1/suppressions?channel={channel}&address={Uri.EscapeDataString(address)}"))["suppressions"]!.AsArray();

    private static async Task<HttpResponseMessage> PostForm(string url, List<KeyValuePair<string, string>> form, string signature)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);
        return await client.SendAsync(request);
    }
}
