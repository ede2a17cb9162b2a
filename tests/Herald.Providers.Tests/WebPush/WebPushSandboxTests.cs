using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.WebPush;

namespace Herald.Providers.Tests.WebPush;

/// <summary>The sandbox push service refuses what real push services refuse, in autopush's error shape.</summary>
public sealed class WebPushSandboxTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private readonly (string PublicKey, string PrivateKey) _keys = WebPushTestKit.NewVapidKeys();

    [Fact]
    public async Task Push_WithoutVapid_Is401()
    {
        var (_, request) = await ValidRequestAsync();
        request.Headers.Remove("Authorization");
        (await ShouldFailAsync(request, 401, 109)).ShouldContain("vapid t=<JWT>, k=<key> is required");
    }

    [Theory]
    [InlineData(-13, "expired")]
    [InlineData(13, "more than 24 hours")]
    public async Task Push_WithAJwtExpiredOrTooFarAhead_Is403(int hoursFromNow, string reason)
    {
        var (_, request) = await ValidRequestAsync();
        var signer = Signer(new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(hoursFromNow)));
        Authorize(request, signer, signer.Token(sandbox.BaseUrl));
        (await ShouldFailAsync(request, 403, 109)).ShouldContain(reason);
    }

    [Fact]
    public async Task Push_WithAnotherAudience_Is403()
    {
        var (_, request) = await ValidRequestAsync();
        var signer = Signer(TimeProvider.System);
        Authorize(request, signer, signer.Token("https://fcm.googleapis.com"));
        (await ShouldFailAsync(request, 403, 109)).ShouldContain("aud");
    }

    [Fact]
    public async Task Push_WithASignatureByAnotherKey_Is403()
    {
        var (_, request) = await ValidRequestAsync();
        var otherKeys = WebPushTestKit.NewVapidKeys();
        var other = VapidSigner.TryCreate(otherKeys.PublicKey, otherKeys.PrivateKey, WebPushTestKit.Subject, TimeProvider.System, out _)!;
        Authorize(request, Signer(TimeProvider.System), other.Token(sandbox.BaseUrl)); // k says our key, the token is signed by another
        (await ShouldFailAsync(request, 403, 109)).ShouldContain("signature");
    }

    [Fact]
    public async Task Push_WithoutTtl_Is400()
    {
        var (_, request) = await ValidRequestAsync();
        request.Headers.Remove("TTL");
        await ShouldFailAsync(request, 400, 111);
    }

    [Fact]
    public async Task Push_WithAnotherContentEncodingOrAnInvalidTopic_Is400()
    {
        var (_, request) = await ValidRequestAsync();
        request.Content!.Headers.ContentEncoding.Clear();
        request.Content.Headers.ContentEncoding.Add("aesgcm");
        await ShouldFailAsync(request, 400, 110);

        (_, request) = await ValidRequestAsync();
        request.Headers.Add("Topic", "this topic has spaces");
        await ShouldFailAsync(request, 400, 113);
    }

    [Fact]
    public async Task Push_OfABodyThatDoesNotDecryptWithTheSubscriptionsKeys_Is400()
    {
        var (_, request) = await ValidRequestAsync();
        var other = await WebPushTestKit.SubscribeAsync(sandbox);
        request.Content = Body(other, """{"title":"for someone else"}""");
        await ShouldFailAsync(request, 400, 110);
    }

    [Fact]
    public async Task Push_OfMoreThan4096Bytes_Is413()
    {
        var (subscription, request) = await ValidRequestAsync();
        request.Content = Body(subscription, new string('x', 4000));
        await ShouldFailAsync(request, 413, 104);
    }

    [Fact]
    public async Task Push_ToAnUnknownSubscription_Is404()
    {
        var (_, request) = await ValidRequestAsync();
        request.RequestUri = new Uri($"{sandbox.BaseUrl}/wp/nobody");
        await ShouldFailAsync(request, 404, 102);
    }

    [Fact]
    public async Task Push_Valid_Is201WithTheMessageLocationAndRecordsThePlaintext()
    {
        var (_, request) = await ValidRequestAsync();
        using var response = await sandbox.Admin.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        response.Headers.Location!.ToString().ShouldStartWith($"{sandbox.BaseUrl}/wp/messages/wpm_");
        var id = response.Headers.Location.ToString().Split('/')[^1];
        var all = await sandbox.MessagesAsync("webpush");
        all.Single(m => m!["id"]!.GetValue<string>() == id)!["fields"]!["plaintext"]!.GetValue<string>().ShouldBe("""{"title":"hi","herald_delivery_id":"dlv_raw"}""");
    }

    [Fact]
    public async Task Subscribe_ReturnsAPushSubscriptionWithAnEndpointAtTheSandbox()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox, id: "sub-fixed-1");
        subscription["endpoint"]!.GetValue<string>().ShouldBe($"{sandbox.BaseUrl}/wp/sub-fixed-1");
        Base64Url.DecodeFromChars(subscription["keys"]!["p256dh"]!.GetValue<string>()).Length.ShouldBe(65);
        Base64Url.DecodeFromChars(subscription["keys"]!["auth"]!.GetValue<string>()).Length.ShouldBe(16);
        (await sandbox.Admin.PostAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/webpush/subscriptions", new { id = "sub-fixed-1" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await sandbox.Admin.PostAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/webpush/subscriptions", new { id = "no spaces" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private VapidSigner Signer(TimeProvider time) => VapidSigner.TryCreate(_keys.PublicKey, _keys.PrivateKey, WebPushTestKit.Subject, time, out _)!;

    private static void Authorize(HttpRequestMessage request, VapidSigner signer, string token)
    {
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", $"vapid t={token}, k={signer.PublicKey}");
    }

    private static ByteArrayContent Body(JsonObject subscription, string plaintext)
    {
        var keys = subscription["keys"]!;
        var body = WebPushEncryption.Encrypt(Encoding.UTF8.GetBytes(plaintext), Base64Url.DecodeFromChars(keys["p256dh"]!.GetValue<string>()),
            Base64Url.DecodeFromChars(keys["auth"]!.GetValue<string>()));
        var content = new ByteArrayContent(body);
        content.Headers.ContentEncoding.Add("aes128gcm");
        return content;
    }

    private async Task<(JsonObject Subscription, HttpRequestMessage Request)> ValidRequestAsync()
    {
        var subscription = await WebPushTestKit.SubscribeAsync(sandbox);
        var endpoint = new Uri(subscription["endpoint"]!.GetValue<string>());
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = Body(subscription, """{"title":"hi","herald_delivery_id":"dlv_raw"}""") };
        request.Headers.TryAddWithoutValidation("Authorization", Signer(TimeProvider.System).AuthorizationHeader(endpoint));
        request.Headers.Add("TTL", "60");
        return (subscription, request);
    }

    private async Task<string> ShouldFailAsync(HttpRequestMessage request, int status, int errno)
    {
        using var response = await sandbox.Admin.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        ((int)response.StatusCode).ShouldBe(status, body?.ToJsonString());
        body!["code"]!.GetValue<int>().ShouldBe(status);
        body["errno"]!.GetValue<int>().ShouldBe(errno);
        body["error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        return body["message"]!.GetValue<string>();
    }
}
