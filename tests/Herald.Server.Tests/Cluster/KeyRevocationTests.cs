using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Two Herald servers on one PostgreSQL database (in-process lanes; B runs only the API): a key revoked or rotated out
/// through A is refused by B, which had it cached, within a second — a cluster signal, not B's 30 s cache age; so are a key's changed rate limits.
/// </summary>
public sealed class KeyRevocationTests(KeyRevocationTests.Nodes cluster) : IClassFixture<KeyRevocationTests.Nodes>
{
    private static readonly TimeSpan Coherent = TimeSpan.FromSeconds(1);

    private static async Task<int> StatusAsync(HeraldServerFixture node, string secret)
    {
        using var client = node.CreateClient(secret);
        using var response = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        return (int)response.StatusCode;
    }

    private async Task<(string Id, string Secret)> CreateOnAAsync()
    {
        using var response = await cluster.A.Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "cluster", ["scopes"] = new JsonArray("notifications:read") });
        var created = await response.ShouldHaveStatusAsync(201);
        return (created["key"].Str("id"), created.Str("secret"));
    }

    [Fact]
    public async Task Revoke_OnNodeA_NodeBRefusesWithinOneSecond()
    {
        var (id, secret) = await CreateOnAAsync();
        // B reads the key from the store and caches it.
        (await StatusAsync(cluster.B, secret)).ShouldBe(200);
        (await StatusAsync(cluster.B, secret)).ShouldBe(200);

        using var revoke = await cluster.A.Client.PostEmptyAsync($"/api/v1/keys/{id}/revoke");
        await revoke.ShouldHaveStatusAsync(200);
        var clock = Stopwatch.StartNew();

        await Polling.WaitUntilAsync(async () => await StatusAsync(cluster.B, secret) == 401, Coherent + Coherent, "node B refuses the key revoked through node A");
        clock.Elapsed.ShouldBeLessThan(Coherent);
    }

    [Fact]
    public async Task Rotate_OneSecondOverlapOnNodeA_NodeBRefusesOldSecretWithinOneSecondOfItsEnd()
    {
        var (id, secret) = await CreateOnAAsync();
        (await StatusAsync(cluster.B, secret)).ShouldBe(200);

        using var rotate = await cluster.A.Client.PostJsonAsync($"/api/v1/keys/{id}/rotate", new JsonObject { ["overlap_seconds"] = 1 });
        var fresh = (await rotate.ShouldHaveStatusAsync(200)).Str("secret");
        var clock = Stopwatch.StartNew();

        // B cached the key before the rotation: without the signal it would take the old secret for 30 s.
        await Polling.WaitUntilAsync(async () => await StatusAsync(cluster.B, secret) == 401, TimeSpan.FromSeconds(4), "node B refuses the rotated-out secret");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1) + Coherent);
        (await StatusAsync(cluster.B, fresh)).ShouldBe(200);
    }

    [Fact]
    public async Task ChangeLimits_OnNodeA_NodeBAppliesThemWithinOneSecond()
    {
        var (id, secret) = await CreateOnAAsync();
        using var client = cluster.B.CreateClient(secret);
        using (var unlimited = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative)))
        {
            // B now holds the key, without limits, in its cache.
            unlimited.Headers.Contains("RateLimit-Policy").ShouldBeFalse();
        }

        using var patch = await cluster.A.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/keys/{id}", """{"requests_per_second":50}""");
        await patch.ShouldHaveStatusAsync(200);
        var clock = Stopwatch.StartNew();

        // Without the signal B would answer without limits for up to its 30 s cache age.
        await Polling.WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
            return response.Headers.TryGetValues("RateLimit-Policy", out var policy) && policy.Single() == "\"requests\";q=50;w=1";
        }, Coherent + Coherent, "node B applies the limit set through node A");
        clock.Elapsed.ShouldBeLessThan(Coherent);
    }

    /// <summary>Node A with every role, node B with the API only, on one fresh database.</summary>
    public sealed class Nodes : IAsyncLifetime
    {
        private readonly string _connection = ExternalServices.NewDatabase("herald_key_nodes");

        public HeraldServerFixture A { get; private set; } = null!;

        public HeraldServerFixture B { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var settings = new Dictionary<string, string?>
            {
                ["Herald:Storage:Engine"] = "postgres",
                ["Herald:Storage:Postgres:ConnectionString"] = _connection,
            };
            // One after the other: the first creates the schema and the bootstrap key.
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
}
