using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>A key's rate limits are stored: a restarted server (a new process on the same store) applies them.</summary>
public sealed class KeyRateLimitsRestartTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-rate-").FullName;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Restart_KeyWithLimits_StillLimitedAfterIt(string engine)
    {
        var settings = engine == "postgres"
            ? new Dictionary<string, string>
            {
                ["Herald__Storage__Engine"] = "postgres",
                ["Herald__Storage__Postgres__ConnectionString"] = ExternalServices.NewDatabase("herald_rate"),
            }
            : null;
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), "rate-admin-key-" + Guid.NewGuid().ToString("N"), settings);
        await herald.StartAsync(StartTimeout);
        string id, secret;
        using (var admin = Client(herald, herald.ApiKey))
        {
            using var created = await admin.PostJsonAsync("/api/v1/keys",
                new JsonObject { ["name"] = "stored", ["scopes"] = new JsonArray("notifications:read"), ["requests_per_second"] = 4, ["notifications_per_second"] = 8 });
            var body = await created.ShouldHaveStatusAsync(201);
            (id, secret) = (body["key"].Str("id"), body.Str("secret"));
        }

        herald.Kill();
        await herald.StartAsync(StartTimeout);

        using var client = Client(herald, secret);
        using var response = await client.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        ((int)response.StatusCode).ShouldBe(200);
        string.Join(", ", response.Headers.GetValues("RateLimit-Policy")).ShouldBe("\"requests\";q=4;w=1, \"notifications\";q=8;w=1");
        using var admin2 = Client(herald, herald.ApiKey);
        var key = await admin2.GetJsonAsync($"/api/v1/keys/{id}");
        (key["requests_per_second"]!.GetValue<int>(), key["notifications_per_second"]!.GetValue<int>()).ShouldBe((4, 8));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static HttpClient Client(HeraldProcess herald, string key)
    {
        var client = new HttpClient { BaseAddress = herald.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
