using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>API keys as a resource, end to end through the API: create, use, scope, revoke, rotate, expiry, old scope names.</summary>
public abstract class KeysEndpointsTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private async Task<(string Id, string Secret, JsonNode Key)> CreateAsync(string name, JsonArray scopes, DateTimeOffset? expiresAt = null)
    {
        var body = new JsonObject { ["name"] = name, ["scopes"] = scopes };
        if (expiresAt is { } at)
        {
            body["expires_at"] = at.ToString("O");
        }

        using var response = await server.Client.PostJsonAsync("/api/v1/keys", body);
        var created = await response.ShouldHaveStatusAsync(201);
        return (created["key"].Str("id"), created.Str("secret"), created["key"]!);
    }

    private async Task<int> StatusAsync(string secret, HttpMethod method, string path)
    {
        using var client = server.CreateClient(secret);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Create_ReadKey_UsableThen403NamingScopeThenRevoked401()
    {
        var (id, secret, key) = await CreateAsync("reporting", ["notifications:read"]);
        secret.ShouldStartWith("hk_");
        key.Str("prefix").ShouldBe(secret[..7]);
        key["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:read"]);
        using var client = server.CreateClient(secret);

        (await client.GetJsonAsync("/api/v1/templates"))["templates"].ShouldBeOfType<JsonArray>();
        using var write = await client.PostJsonAsync("/api/v1/templates", new JsonObject { ["template_id"] = HeraldServerFixture.NewId("tpl") });
        (await write.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'templates:write'");

        using var revoke = await server.Client.PostEmptyAsync($"/api/v1/keys/{id}/revoke");
        (await revoke.ShouldHaveStatusAsync(200))["revoked_at"].ShouldNotBeNull();
        using var refused = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        (await refused.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("revoked");
    }

    [Fact]
    public async Task List_AfterCreate_ShowsKeyWithoutSecretOrHash()
    {
        var (id, secret, _) = await CreateAsync("listed", ["notifications:send", "users:write"]);
        (await StatusAsync(secret, HttpMethod.Get, "/api/v1/me")).ShouldBe(200);

        using var response = await server.Client.GetAsync(new Uri("/api/v1/keys", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        var listed = System.Text.Json.Nodes.JsonNode.Parse(text)!["keys"]!.AsArray().Single(k => k.Str("id") == id)!;
        listed.Str("name").ShouldBe("listed");
        listed.Str("prefix").ShouldBe(secret[..7]);
        listed["created_at"].ShouldNotBeNull();
        listed["revoked_at"].ShouldBeNull();
        text.ShouldNotContain(secret);
        text.ShouldNotContain(Herald.Server.Api.ApiKeys.Hash(secret), Case.Insensitive);
        text.ShouldNotContain("\"secret\"");
        // Last use is written in the background, once a minute per key at most.
        await Polling.WaitUntilAsync(async () => (await server.Client.GetJsonAsync($"/api/v1/keys/{id}"))["last_used_at"] is not null, Bound, "last_used_at is recorded");
    }

    [Fact]
    public async Task Rotate_ShortOverlap_BothSecretsWorkThenOldRefused()
    {
        var (id, old, _) = await CreateAsync("rotated", ["notifications:read"]);
        (await StatusAsync(old, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);

        using var rotate = await server.Client.PostJsonAsync($"/api/v1/keys/{id}/rotate", new JsonObject { ["overlap_seconds"] = 2 });
        var rotated = await rotate.ShouldHaveStatusAsync(200);
        var fresh = rotated.Str("secret");
        fresh.ShouldNotBe(old);
        rotated["key"].Str("id").ShouldBe(id);
        rotated["key"].Str("name").ShouldBe("rotated");
        (await StatusAsync(fresh, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
        (await StatusAsync(old, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);

        await Polling.WaitUntilAsync(async () => await StatusAsync(old, HttpMethod.Get, "/api/v1/templates") == 401, Bound, "the old secret is refused after the overlap");
        (await StatusAsync(fresh, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
    }

    [Fact]
    public async Task Rotate_RevokedKey_Returns409AndUnknown404()
    {
        var (id, _, _) = await CreateAsync("gone", ["notifications:read"]);
        (await server.Client.PostEmptyAsync($"/api/v1/keys/{id}/revoke")).Dispose();

        using var revoked = await server.Client.PostJsonAsync($"/api/v1/keys/{id}/rotate", new JsonObject());
        using var unknown = await server.Client.PostJsonAsync("/api/v1/keys/key_nope/rotate", new JsonObject());

        await revoked.ShouldBeProblemAsync(409, "key-revoked");
        await unknown.ShouldBeProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Create_ShortExpiry_RefusedWith401AfterIt()
    {
        var (_, secret, _) = await CreateAsync("short-lived", ["notifications:read"], DateTimeOffset.UtcNow.AddSeconds(2));
        (await StatusAsync(secret, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);

        await Polling.WaitUntilAsync(async () => await StatusAsync(secret, HttpMethod.Get, "/api/v1/templates") == 401, Bound, "the key is refused once expired");
        using var client = server.CreateClient(secret);
        using var refused = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        (await refused.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("expired");
    }

    public static TheoryData<string, string> BadCreates => new()
    {
        { """{"name":"x","scopes":["notifications:write"]}""", "scopes" },
        { """{"name":"x","scopes":[]}""", "scopes" },
        { """{"name":"  ","scopes":["admin"]}""", "name" },
        { """{"scopes":["admin"]}""", "name" },
        { """{"name":"x","scopes":["admin"],"expires_at":"2020-01-01T00:00:00Z"}""", "expires_at" },
        { """{"name":"x","scopes":["admin"],"expires_at":"2999-01-01T00:00:00Z"}""", "expires_at" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Create_BadInput_Returns400ProblemAndCreatesNothing(string body, string field)
    {
        var before = (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Count;

        using var response = await server.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/keys", body);

        await response.ShouldBeProblemAsync(400, "validation", field);
        (await server.Client.GetJsonAsync("/api/v1/keys"))["keys"]!.AsArray().Count.ShouldBe(before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(604801)]
    public async Task Rotate_OverlapOutOfRange_Returns400AndKeepsSecret(int overlap)
    {
        var (id, secret, _) = await CreateAsync("overlap", ["notifications:read"]);

        using var response = await server.Client.PostJsonAsync($"/api/v1/keys/{id}/rotate", new JsonObject { ["overlap_seconds"] = overlap });

        await response.ShouldBeProblemAsync(400, "validation", "overlap_seconds");
        (await server.Client.GetJsonAsync($"/api/v1/keys/{id}"))["previous_secret_expires_at"].ShouldBeNull();
        (await StatusAsync(secret, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
    }

    [Fact]
    public async Task Keys_NonAdminKey_Returns403NamingAdmin()
    {
        var (_, secret, _) = await CreateAsync("not-admin", ["notifications:send", "notifications:read", "templates:write", "users:write", "content:read"]);
        using var client = server.CreateClient(secret);

        using var response = await client.GetAsync(new Uri("/api/v1/keys", UriKind.Relative));

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
    }

    [Fact]
    public async Task OpenApi_KeySchemas_ListTheScopes()
    {
        var document = await server.CreateClient().GetJsonAsync("/openapi/v1.json");

        foreach (var schema in new[] { "ApiKeyRequest", "ApiKeyResponse" })
        {
            document["components"]!["schemas"]![schema]!["properties"]!["scopes"]!["items"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>())
                .ShouldBe(Herald.Server.Api.ApiKeys.Scopes, schema);
        }
    }

    [Fact]
    public async Task StoredKeyOfEarlierRelease_SendAndReadScopes_AuthorizeWhatTheyDid()
    {
        var send = "hk_legacy_send_" + Guid.NewGuid().ToString("N");
        var read = "hk_legacy_read_" + Guid.NewGuid().ToString("N");
        await server.StoreLegacyApiKeyAsync(send, "send");
        await server.StoreLegacyApiKeyAsync(read, "read");

        // send: sending (the body is wrong, so 400, past authorization), cancelling, campaigns, subscriber tokens; not reading.
        (await StatusAsync(send, HttpMethod.Post, "/api/v1/notifications")).ShouldBe(400);
        (await StatusAsync(send, HttpMethod.Post, "/api/v1/users/u-legacy/subscriber-token")).ShouldBe(200);
        (await StatusAsync(send, HttpMethod.Get, "/api/v1/templates")).ShouldBe(403);
        // read: every read; not sending, not writing.
        (await StatusAsync(read, HttpMethod.Get, "/api/v1/templates")).ShouldBe(200);
        (await StatusAsync(read, HttpMethod.Get, "/api/v1/analytics")).ShouldBe(200);
        (await StatusAsync(read, HttpMethod.Post, "/api/v1/notifications")).ShouldBe(403);
        using var client = server.CreateClient(read);
        using var me = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        (await me.ReadJsonAsync())["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:read"]);
    }
}

public sealed class KeysEndpointsSqliteTests(HeraldServerFixture server) : KeysEndpointsTests(server), IClassFixture<HeraldServerFixture>;

/// <summary>One server on a fresh PostgreSQL database with in-process lanes.</summary>
public sealed class PostgresKeysServerFixture : HeraldServerFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_keys");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
    };
}

public sealed class KeysEndpointsPostgresTests(PostgresKeysServerFixture server) : KeysEndpointsTests(server), IClassFixture<PostgresKeysServerFixture>;
