using System.Net;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>A server past the deprecation period: Herald:SubscriberTokens:AcceptLegacy=false.</summary>
public sealed class NoLegacyServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Herald:SubscriberTokens:AcceptLegacy"] = "false" };
}

/// <summary>Once legacy credentials are off: hex tokens and tokens in the query are refused, expiring tokens in the header and tickets work.</summary>
public sealed class SubscriberTokenLegacyTests(NoLegacyServerFixture server) : IClassFixture<NoLegacyServerFixture>
{
    [Fact]
    public async Task LegacyHexToken_Refused401SayingWhy()
    {
        var user = HeraldServerFixture.NewId("user");
        using var anonymous = server.CreateClient();
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(user));

        using var response = await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("the subscriber token is a legacy (never-expiring) token, no longer accepted");
    }

    [Fact]
    public async Task ExpiringTokenInTheQuery_Refused_InTheHeader_Accepted_StreamOpensWithATicket()
    {
        var user = HeraldServerFixture.NewId("user");
        using var minted = await server.Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var token = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        using var anonymous = server.CreateClient();

        using var inQuery = await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed/stream?token={token}", UriKind.Relative));
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", token);
        using var inHeader = await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));
        using var issued = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/stream-ticket");
        var ticket = (await issued.ShouldHaveStatusAsync(200)).Str("ticket");
        using var bare = server.CreateClient();
        using var stream = await SubscriberTokenEndpointsTests.OpenStreamAsync(bare, $"/api/v1/users/{user}/feed/stream?ticket={ticket}");

        (await inQuery.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldStartWith("a subscriber token in '?token=' is no longer accepted");
        inHeader.StatusCode.ShouldBe(HttpStatusCode.OK);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Rotate_OldTokensAndTicketsRefused_NewSecretSigns()
    {
        var user = HeraldServerFixture.NewId("user");
        var before = (await server.Client.GetJsonAsync("/api/v1/subscriber-secret")).Str("secret");
        var old = TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromHours(1)) }, before);
        using var anonymous = server.CreateClient();
        anonymous.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", old);
        using var issued = await anonymous.PostEmptyAsync($"/api/v1/users/{user}/feed/stream-ticket");
        var ticket = (await issued.ShouldHaveStatusAsync(200)).Str("ticket");
        (await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var rotated = await server.Client.PostEmptyAsync("/api/v1/subscriber-secret/rotate");

        var after = await rotated.ShouldHaveStatusAsync(200);
        after.Str("secret").ShouldStartWith("hts_");
        after.Str("secret").ShouldNotBe(before);
        after.Str("algorithm").ShouldBe("HS256");
        (await server.Client.GetJsonAsync("/api/v1/subscriber-secret")).Str("secret").ShouldBe(after.Str("secret"));
        using var oldToken = await anonymous.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));
        (await oldToken.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("rotated");
        using var bare = server.CreateClient();
        using var oldTicket = await SubscriberTokenEndpointsTests.OpenStreamAsync(bare, $"/api/v1/users/{user}/feed/stream?ticket={ticket}");
        await oldTicket.ShouldBeProblemAsync(401, "unauthorized");
        using var fresh = server.CreateClient();
        fresh.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromHours(1)) }, after.Str("secret")));
        (await fresh.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var audit = await server.Client.GetJsonAsync("/api/v1/audit?action=subscriber_secret.rotated");
        audit["entries"]!.AsArray().ShouldContain(e => e!.Str("target") == "env_default");
    }
}
