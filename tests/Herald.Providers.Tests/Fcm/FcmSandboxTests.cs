using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Fcm;

/// <summary>The sandbox's FCM and OAuth2 token endpoints refuse what Google refuses.</summary>
public sealed class FcmSandboxTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string Scope = "https://www.googleapis.com/auth/firebase.messaging";

    [Fact]
    public async Task ServiceAccount_AdminEndpoint_ServesAKeyWhoseTokenUriIsTheSandbox()
    {
        var key = await sandbox.Admin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/fcm/service-account");
        key!["type"]!.GetValue<string>().ShouldBe("service_account");
        key["token_uri"]!.GetValue<string>().ShouldBe($"{sandbox.BaseUrl}/token");
        key["private_key"]!.GetValue<string>().ShouldStartWith("-----BEGIN PRIVATE KEY-----");
    }

    [Fact]
    public async Task Token_GoodAssertion_GrantsAnHourLongBearerToken()
    {
        using var response = await TokenAsync(Assertion());
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        body!["token_type"]!.GetValue<string>().ShouldBe("Bearer");
        body["expires_in"]!.GetValue<int>().ShouldBe(3600);
        body["access_token"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("aud", "invalid_grant")]
    [InlineData("iss", "invalid_grant")]
    [InlineData("exp", "invalid_grant")]
    [InlineData("scope", "invalid_scope")]
    [InlineData("signature", "invalid_grant")]
    public async Task Token_BadAssertion_IsRefusedAsGoogleDoes(string broken, string error)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["iss"] = broken == "iss" ? "someone@else.iam.gserviceaccount.com" : Key()["client_email"]!.GetValue<string>(),
            ["aud"] = broken == "aud" ? "https://example.com/token" : $"{sandbox.BaseUrl}/token",
            ["scope"] = broken == "scope" ? "https://www.googleapis.com/auth/cloud-platform" : Scope,
            ["iat"] = now,
            ["exp"] = broken == "exp" ? now + 7200 : now + 3600,
        };
        using var other = RSA.Create(2048);

        using var response = await TokenAsync(Assertion(claims, broken == "signature" ? other : null));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>().ShouldBe(error);
    }

    [Fact]
    public async Task Token_OtherGrantType_IsUnsupported()
    {
        using var response = await sandbox.Admin.PostAsync($"{sandbox.BaseUrl}/token",
            new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("assertion", Assertion())]));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>().ShouldBe("unsupported_grant_type");
    }

    [Fact]
    public async Task Send_WithoutOrWithUnknownBearer_Is401Unauthenticated()
    {
        foreach (var bearer in new[] { null, "ya29.made-up" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, SendUrl()) { Content = JsonContent.Create(new { message = new { token = "t" } }) };
            request.Headers.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
            using var response = await sandbox.Admin.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["status"]!.GetValue<string>().ShouldBe("UNAUTHENTICATED");
        }
    }

    [Fact]
    public async Task Send_DataValueNotAString_Is400InvalidArgument()
    {
        using var token = await TokenAsync(Assertion());
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Post, SendUrl()) { Content = JsonContent.Create(new { message = new { token = "t", data = new { n = 1 } } }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);

        using var response = await sandbox.Admin.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        error["status"]!.GetValue<string>().ShouldBe("INVALID_ARGUMENT");
        error["message"]!.GetValue<string>().ShouldContain("message.data[0].value");
        error["details"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("INVALID_ARGUMENT");
    }

    private JsonObject Key() => FcmSetup.ServiceAccount(sandbox);

    private string SendUrl() => $"{sandbox.BaseUrl}/v1/projects/{Key()["project_id"]}/messages:send";

    private Task<HttpResponseMessage> TokenAsync(string assertion) =>
        sandbox.Admin.PostAsync($"{sandbox.BaseUrl}/token",
            new FormUrlEncodedContent([new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), new("assertion", assertion)]));

    private string Assertion(JsonObject? claims = null, RSA? signer = null)
    {
        var key = Key();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims ??= new JsonObject
        {
            ["iss"] = key["client_email"]!.GetValue<string>(), ["aud"] = $"{sandbox.BaseUrl}/token", ["scope"] = Scope, ["iat"] = now, ["exp"] = now + 3600,
        };
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key["private_key_id"]!.GetValue<string>() };
        var input = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        using var own = RSA.Create();
        own.ImportFromPem(key["private_key"]!.GetValue<string>());
        var signature = (signer ?? own).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }
}
