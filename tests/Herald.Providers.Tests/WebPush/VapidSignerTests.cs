using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.WebPush;

namespace Herald.Providers.Tests.WebPush;

public sealed class VapidSignerTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly (string PublicKey, string PrivateKey) _keys = WebPushTestKit.NewVapidKeys();
    private readonly FakeTimeProvider _time = new(Start);

    private VapidSigner Signer() => VapidSigner.TryCreate(_keys.PublicKey, _keys.PrivateKey, WebPushTestKit.Subject, _time, out _)!;

    [Fact]
    public void AuthorizationHeader_IsTheRfc8292VapidScheme_WithAnEs256JwtThatVerifiesWithK()
    {
        var header = Signer().AuthorizationHeader(new Uri("https://push.example.net:8443/wpush/v2/abc?x=1"));

        // RFC 8292 §3: Authorization: vapid t=<JWT>, k=<base64url uncompressed public key>
        var match = Regex.Match(header, @"^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$");
        match.Success.ShouldBeTrue(header);
        match.Groups[2].Value.ShouldBe(_keys.PublicKey);
        var parts = match.Groups[1].Value.Split('.');
        Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])).ShouldBe("""{"typ":"JWT","alg":"ES256"}""");

        var k = Base64Url.DecodeFromChars(match.Groups[2].Value);
        using var verifier = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = k[1..33], Y = k[33..] } });
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature.Length.ShouldBe(64);
        verifier.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256).ShouldBeTrue();

        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        claims["aud"]!.GetValue<string>().ShouldBe("https://push.example.net:8443");
        claims["exp"]!.GetValue<long>().ShouldBe(Start.AddHours(12).ToUnixTimeSeconds());
        claims["sub"]!.GetValue<string>().ShouldBe(WebPushTestKit.Subject);
    }

    [Theory]
    [InlineData("https://fcm.googleapis.com/fcm/send/abc", "https://fcm.googleapis.com")]
    [InlineData("https://Updates.Push.Services.Mozilla.com:443/wpush/v2/x", "https://updates.push.services.mozilla.com")]
    [InlineData("http://127.0.0.1:5080/wp/1", "http://127.0.0.1:5080")]
    public void Audience_IsTheEndpointsOrigin(string endpoint, string audience) => VapidSigner.Audience(new Uri(endpoint)).ShouldBe(audience);

    [Fact]
    public void Token_IsReusedPerAudience_UntilAnHourBeforeItExpires()
    {
        var signer = Signer();
        var first = signer.Token("https://a.example");
        _time.SetUtcNow(Start.AddHours(10));
        signer.Token("https://a.example").ShouldBe(first);
        signer.Token("https://b.example").ShouldNotBe(first);
        _time.SetUtcNow(Start.AddHours(11).AddSeconds(1));
        var renewed = signer.Token("https://a.example");
        renewed.ShouldNotBe(first);
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(renewed.Split('.')[1]))!.AsObject();
        claims["exp"]!.GetValue<long>().ShouldBe(_time.GetUtcNow().AddHours(12).ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData(null, "x", "mailto:a@b.example", "VapidPublicKey is required")]
    [InlineData("pub", null, "mailto:a@b.example", "VapidPrivateKey is required")]
    [InlineData("pub", "priv", null, "Subject is required")]
    [InlineData("AAAA", "priv", "mailto:a@b.example", "VapidPublicKey must be")]
    [InlineData("pub", "AAAA", "mailto:a@b.example", "VapidPrivateKey must be")]
    [InlineData("pub", "priv", "ops@b.example", "Subject must be a mailto: or https: URI")]
    [InlineData("other", "priv", "https://b.example/contact", "VapidPublicKey is not the public key of VapidPrivateKey")]
    public void Constructor_WithABadSetting_FailsNamingIt(string? publicKey, string? privateKey, string? subject, string message)
    {
        var keys = WebPushTestKit.NewVapidKeys();
        var settings = new Dictionary<string, string?>
        {
            ["VapidPublicKey"] = publicKey switch { "pub" => keys.PublicKey, "other" => WebPushTestKit.NewVapidKeys().PublicKey, _ => publicKey },
            ["VapidPrivateKey"] = privateKey == "priv" ? keys.PrivateKey : privateKey,
            ["Subject"] = subject,
        };
        var ex = Should.Throw<ProviderConfigurationException>(() => new WebPushAdapter(TestContexts.Create("wp", "webpush", Channel.Push, settings)));
        ex.Message.ShouldStartWith("Herald:Providers:wp:");
        ex.Message.ShouldContain(message);
    }

    [Fact]
    public void Constructor_WithKeysAsWebPushToolsPrintThem_Succeeds()
    {
        var adapter = WebPushTestKit.Adapter(_keys, baseUrl: null);
        adapter.Type.ShouldBe("webpush");
        adapter.Channel.ShouldBe(Channel.Push);
    }
}
