using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>A server that allows no clock skew, so expiry is exact.</summary>
public sealed class ExactClockServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Herald:SubscriberTokens:ClockSkew"] = "00:00:00" };
}

/// <summary>Expiring subscriber tokens end to end: minted by the API or by a backend with the secret, checked on the feed.</summary>
public sealed class SubscriberTokenEndpointsTests(ExactClockServerFixture server) : IClassFixture<ExactClockServerFixture>
{
    private readonly HttpClient client = server.Client;

    [Fact]
    public async Task Mint_NoBody_AnHourLongTokenWithEveryEndUserScope()
    {
        var user = HeraldServerFixture.NewId("user");
        var before = DateTimeOffset.UtcNow;

        using var minted = await client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");

        var body = await minted.ShouldHaveStatusAsync(200);
        body.Str("user_id").ShouldBe(user);
        body.Str("environment").ShouldBe("env_default");
        body["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["feed:read", "feed:write", "preferences:read", "preferences:write", "devices:write"]);
        var expires = body["expires_at"]!.GetValue<DateTimeOffset>();
        expires.ShouldBeInRange(before.AddHours(1).AddSeconds(-2), DateTimeOffset.UtcNow.AddHours(1).AddSeconds(1));
        var claims = TestJwt.Claims(body.Str("token"));
        claims.Str("sub").ShouldBe(user);
        claims.Str("env").ShouldBe("env_default");
        claims["exp"]!.GetValue<long>().ShouldBe(expires.ToUnixTimeSeconds());
        claims["scope"].ShouldBeNull();
        (await Feed(user, body.Str("token"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Mint_TtlAndScopes_TokenCarriesThem_AndAScopeItLacksIs403NamingIt()
    {
        var user = HeraldServerFixture.NewId("user");

        using var minted = await client.PostJsonAsync($"/api/v1/users/{user}/subscriber-token", new JsonObject { ["ttl_seconds"] = 120, ["scopes"] = new JsonArray("feed:read") });

        var body = await minted.ShouldHaveStatusAsync(200);
        body["expires_at"]!.GetValue<DateTimeOffset>().ShouldBeInRange(DateTimeOffset.UtcNow.AddSeconds(110), DateTimeOffset.UtcNow.AddSeconds(121));
        TestJwt.Claims(body.Str("token")).Str("scope").ShouldBe("feed:read");
        using var anonymous = server.CreateClient();
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", body.Str("token"));
        (await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var write = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/read-all");
        using var problem = await write.ShouldBeProblemAsync(403, "forbidden");
        problem.Detail().ShouldBe("this subscriber token lacks the 'feed:write' scope");
    }

    [Theory]
    [InlineData("{\"ttl_seconds\":59}", "ttl_seconds")]
    [InlineData("{\"ttl_seconds\":86401}", "ttl_seconds")]
    [InlineData("{\"ttl_seconds\":-5}", "ttl_seconds")]
    [InlineData("{\"scopes\":[]}", "scopes")]
    [InlineData("{\"scopes\":[\"admin\"]}", "scopes")]
    [InlineData("{\"scopes\":[\"feed:read\",\"feed:delete\"]}", "scopes")]
    public async Task Mint_BadTtlOrScopes_400NamingTheField(string json, string field)
    {
        using var response = await client.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{HeraldServerFixture.NewId("user")}/subscriber-token", json);

        using var problem = await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task Mint_WithAReadKey_403NamingNotificationsSend()
    {
        var key = "read-key-" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "notifications:read");
        using var reader = server.CreateClient(key);

        using var response = await reader.PostEmptyAsync($"/api/v1/users/{HeraldServerFixture.NewId("user")}/subscriber-token");

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("notifications:send");
    }

    [Fact]
    public async Task MintedByABackend_WorksUntilItExpires_Then401()
    {
        var user = HeraldServerFixture.NewId("user");
        var secret = await SecretAsync();
        var exp = TestJwt.At(TimeSpan.FromSeconds(2));
        var token = TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = exp, ["iss"] = "my-backend" }, secret);

        using var fresh = await Feed(user, token);
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);

        // exp is whole seconds: wait until the clock has passed it, then the same token is refused.
        var deadline = DateTimeOffset.FromUnixTimeSeconds(exp).AddMilliseconds(100) - DateTimeOffset.UtcNow;
        await Task.Delay(deadline > TimeSpan.Zero ? deadline : TimeSpan.Zero);
        using var expired = await Feed(user, token);
        (await expired.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldBe("the subscriber token expired: mint a new one");
    }

    [Fact]
    public async Task Token_OfAnotherUser_401()
    {
        var token = await MintAsync("someone-else");

        using var response = await Feed(HeraldServerFixture.NewId("user"), token);

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldBe("the subscriber token is not valid for this user");
    }

    [Fact]
    public async Task Token_Tampered_401()
    {
        var user = HeraldServerFixture.NewId("user");
        var victim = HeraldServerFixture.NewId("victim");
        var parts = (await MintAsync(user)).Split('.');
        var swapped = TestJwt.Mint(new JsonObject { ["sub"] = victim, ["exp"] = TestJwt.At(TimeSpan.FromHours(1)) }, "any-key").Split('.')[1];

        using var response = await Feed(victim, $"{parts[0]}.{swapped}.{parts[2]}");

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("the subscriber token's signature is not valid");
    }

    [Fact]
    public async Task Token_OfAnotherEnvironment_401WithoutAHint()
    {
        var user = HeraldServerFixture.NewId("user");
        var secret = await SecretAsync();
        var otherEnvironment = TestJwt.Mint(new JsonObject { ["sub"] = user, ["env"] = "env_production", ["exp"] = TestJwt.At(TimeSpan.FromHours(1)) }, secret);
        var otherSecret = TestJwt.Mint(new JsonObject { ["sub"] = user, ["env"] = "env_default", ["exp"] = TestJwt.At(TimeSpan.FromHours(1)) }, "hts_" + new string('0', 64));

        using var environment = await Feed(user, otherEnvironment);
        using var signature = await Feed(user, otherSecret);

        (await environment.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("the subscriber token's signature is not valid for its environment");
        (await signature.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("the subscriber token's signature is not valid for its environment");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("!!!.###.$$$")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.AAAA")]
    [InlineData("huge")]
    public async Task Token_Malformed_401Problem(string token)
    {
        var user = HeraldServerFixture.NewId("user");
        if (token == "huge")
        {
            token = string.Concat(Enumerable.Repeat("eyJh", 4000));
        }

        using var response = await Feed(user, token);

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("subscriber token");
    }

    [Fact]
    public async Task Token_SignedButWithBadClaims_401()
    {
        var user = HeraldServerFixture.NewId("user");
        var secret = await SecretAsync();
        var hour = TestJwt.At(TimeSpan.FromHours(1));
        JsonObject[] bad =
        [
            new() { ["sub"] = user },                                                  // no exp
            new() { ["exp"] = hour },                                                  // no sub
            new() { ["sub"] = user + "\0", ["exp"] = hour },                           // a NUL inside the user id
            new() { ["sub"] = user, ["exp"] = "tomorrow" },
            new() { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromHours(48)) },    // beyond MaxLifetime
            new() { ["sub"] = user, ["exp"] = hour, ["nbf"] = TestJwt.At(TimeSpan.FromMinutes(5)) },
            new() { ["sub"] = user, ["exp"] = hour, ["scope"] = "feed:read admin" },
            new() { ["sub"] = user, ["exp"] = hour, ["env"] = 7 },
        ];

        foreach (var claims in bad)
        {
            using var response = await Feed(user, TestJwt.Mint(claims, secret));
            (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("subscriber token", customMessage: claims.ToJsonString());
        }

        using var algNone = await Feed(user, TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = hour }, secret, "{\"alg\":\"none\"}"));
        await algNone.ShouldBeProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Token_NulInTheQuery_400FromTheUrlGuard()
    {
        using var anonymous = server.CreateClient();

        using var response = await anonymous.GetAsync(new Uri($"/api/v1/users/{HeraldServerFixture.NewId("user")}/feed?token=ab%00cd", UriKind.Relative));

        await response.ShouldBeProblemAsync(400, "validation", "token");
    }

    [Fact]
    public async Task LegacyHexToken_AcceptedByDefault_ForTheFeedOnly()
    {
        var user = HeraldServerFixture.NewId("user");

        using var feed = await Feed(user, HeraldServerFixture.SubscriberToken(user));

        feed.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task StreamTicket_OpensTheStreamForItsLife_NotAnotherUsersNorOtherRoutes()
    {
        var user = HeraldServerFixture.NewId("user");
        var token = await MintAsync(user);
        using var anonymous = server.CreateClient();
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", token);
        using var issued = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/stream-ticket");
        var body = await issued.ShouldHaveStatusAsync(200);
        var ticket = body.Str("ticket");
        body["expires_at"]!.GetValue<DateTimeOffset>().ShouldBeInRange(DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(61));
        using var bare = server.CreateClient();

        // Not single use: EventSource-style reconnects within its minute work (see docs/architecture.md, Security).
        for (var i = 0; i < 2; i++)
        {
            using var stream = await OpenStreamAsync(bare, $"/api/v1/users/{user}/feed/stream?ticket={ticket}");
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
            stream.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        }

        using var otherUser = await OpenStreamAsync(bare, $"/api/v1/users/{HeraldServerFixture.NewId("other")}/feed/stream?ticket={ticket}");
        (await otherUser.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldBe("the stream ticket is not valid for this user");
        using var feedRoute = await bare.GetAsync(new Uri($"/api/v1/users/{user}/feed?ticket={ticket}", UriKind.Relative));
        await feedRoute.ShouldBeProblemAsync(401, "unauthorized");
        using var asToken = await Feed(user, ticket);
        (await asToken.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("the subscriber token's signature is not valid");
    }

    [Fact]
    public async Task StreamTicket_Expired_401()
    {
        var user = HeraldServerFixture.NewId("user");
        var ticketKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(await SecretAsync()), "herald stream ticket v1"u8);
        var live = TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromSeconds(30)) }, ticketKey);
        var expired = TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromSeconds(-1)) }, ticketKey);
        using var bare = server.CreateClient();

        using var accepted = await OpenStreamAsync(bare, $"/api/v1/users/{user}/feed/stream?ticket={live}");
        using var refused = await OpenStreamAsync(bare, $"/api/v1/users/{user}/feed/stream?ticket={expired}");

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await refused.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldBe("the stream ticket expired: ask for a new one");
    }

    [Fact]
    public async Task SubscriberSecret_AdminOnly()
    {
        var key = "send-key-" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "notifications:send");
        using var sender = server.CreateClient(key);

        using var read = await sender.GetAsync(new Uri("/api/v1/subscriber-secret", UriKind.Relative));
        using var rotate = await sender.PostEmptyAsync("/api/v1/subscriber-secret/rotate");

        (await read.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
        await rotate.ShouldBeProblemAsync(403, "forbidden");
    }

    [Fact]
    public async Task OpenApi_DeclaresTheTicketSchemeAndEndUserScopes()
    {
        var document = await server.CreateClient().GetJsonAsync("/openapi/v1.json");

        var ticket = document["components"]!["securitySchemes"]!["StreamTicket"]!;
        ticket.Str("type").ShouldBe("apiKey");
        ticket.Str("in").ShouldBe("query");
        ticket.Str("name").ShouldBe("ticket");
        var paths = document["paths"]!;
        Requirement(paths["/api/v1/users/{user_id}/feed/stream"]!["get"]!).ShouldBe(["SubscriberToken:feed:read", "StreamTicket:", "ApiKey:content:read"]);
        Requirement(paths["/api/v1/users/{user_id}/feed/read-all"]!["post"]!).ShouldBe(["SubscriberToken:feed:write", "ApiKey:content:read"]);
        Requirement(paths["/api/v1/users/{user_id}/feed/stream-ticket"]!["post"]!).ShouldBe(["SubscriberToken:feed:read", "ApiKey:content:read"]);
        Requirement(paths["/api/v1/subscriber-secret/rotate"]!["post"]!).ShouldBe(["ApiKey:admin"]);
        Requirement(paths["/api/v1/users/{user_id}/subscriber-token"]!["post"]!).ShouldBe(["ApiKey:notifications:send"]);

        static List<string> Requirement(JsonNode operation) =>
            [.. operation["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key + ":" + string.Join(',', s.Value!.AsArray().Select(v => v!.GetValue<string>()))))];
    }

    internal static Task<HttpResponseMessage> OpenStreamAsync(HttpClient client, string path) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), HttpCompletionOption.ResponseHeadersRead);

    private async Task<string> SecretAsync() => (await client.GetJsonAsync("/api/v1/subscriber-secret")).Str("secret");

    private async Task<string> MintAsync(string user)
    {
        using var minted = await client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        return (await minted.ShouldHaveStatusAsync(200)).Str("token");
    }

    private async Task<HttpResponseMessage> Feed(string user, string token)
    {
        using var anonymous = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("X-Herald-Subscriber-Token", token);
        return await anonymous.SendAsync(request);
    }
}
