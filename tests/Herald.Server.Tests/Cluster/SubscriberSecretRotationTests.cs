using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Cluster;

/// <summary>Two Herald servers on one fresh PostgreSQL database (in-process transport): A runs every role, B only the API.</summary>
public sealed class PostgresPairFixture : IAsyncLifetime
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_token_pair");

    public HeraldServerFixture A { get; private set; } = null!;

    public HeraldServerFixture B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Herald:Storage:Engine"] = "postgres",
            ["Herald:Storage:Postgres:ConnectionString"] = _connection,
            ["Herald:SubscriberTokens:ClockSkew"] = "00:00:00",
        };
        A = new Node(settings);
        await A.InitializeAsync();
        B = new Node(new Dictionary<string, string?>(settings) { ["Herald:Roles"] = "api" });
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }

    private sealed class Node(IReadOnlyDictionary<string, string?> settings) : HeraldServerFixture
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => settings;
    }
}

/// <summary>The per-environment subscriber secret on PostgreSQL: one secret for every node, and a rotation on one node refuses old tokens on the other within a second.</summary>
public sealed class SubscriberSecretRotationTests(PostgresPairFixture pair) : IClassFixture<PostgresPairFixture>
{
    [Fact]
    public async Task Rotate_OnOneNode_OldTokenRefusedOnTheOtherWithinOneSecond_NewOneAccepted()
    {
        var user = HeraldServerFixture.NewId("user");
        using var minted = await pair.A.Client.PostEmptyAsync($"/api/v1/users/{user}/subscriber-token");
        var old = (await minted.ShouldHaveStatusAsync(200)).Str("token");
        using var onB = pair.B.CreateClient();
        onB.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", old);
        // B now holds the secret in its cache: only the rotation's signal can make it let go within the second.
        (await onB.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await pair.B.Client.GetJsonAsync("/api/v1/subscriber-secret")).Str("secret")
            .ShouldBe((await pair.A.Client.GetJsonAsync("/api/v1/subscriber-secret")).Str("secret"));

        using var rotated = await pair.A.Client.PostEmptyAsync("/api/v1/subscriber-secret/rotate");
        var secret = (await rotated.ShouldHaveStatusAsync(200)).Str("secret");

        var clock = Stopwatch.StartNew();
        await Polling.WaitUntilAsync(async () =>
        {
            using var response = await onB.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "B kept accepting a token of the rotated-out secret");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        using var fresh = pair.B.CreateClient();
        fresh.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", TestJwt.Mint(new JsonObject { ["sub"] = user, ["exp"] = TestJwt.At(TimeSpan.FromMinutes(5)) }, secret));
        (await fresh.GetAsync(new Uri($"/api/v1/users/{user}/feed", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
