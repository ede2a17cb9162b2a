using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// PostgreSQL and RabbitMQ that cannot be reached at start: the process stays up, /readyz names what is failing, the
/// API answers 503 with Retry-After instead of accepting work it cannot persist, and it recovers once they are back.
/// </summary>
public sealed class UnreachableEnginesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-unreachable", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Unreachable_database_and_broker_at_start_mean_503_and_a_readyz_that_says_which()
    {
        Directory.CreateDirectory(_dir);
        var closed = HeraldServerFixture.FreePort();
        using var herald = new HeraldProcess(Path.Combine(_dir, "unused.db"), "unreachable-key-0123456789abcdef0123", new Dictionary<string, string>
        {
            ["Herald__Storage__Engine"] = "postgres",
            ["Herald__Storage__Postgres__ConnectionString"] = $"Host=127.0.0.1;Port={closed};Username=postgres;Database=herald;Timeout=2",
            ["Herald__Transport__Engine"] = "rabbitmq",
            ["Herald__Transport__RabbitMq__Uri"] = $"amqp://guest:guest@127.0.0.1:{HeraldServerFixture.FreePort()}/",
        });
        await herald.StartAsync(TimeSpan.FromSeconds(60), "healthz");

        using var http = new HttpClient { BaseAddress = herald.BaseAddress };
        using var ready = await http.GetAsync("readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var checks = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!.AsObject();
        checks["store"]!.GetValue<string>().ShouldBe("failing (postgres): unreachable; retrying");
        checks["transport"]!.GetValue<string>().ShouldBe("failing (rabbitmq): unreachable");

        using var send = new HttpRequestMessage(HttpMethod.Post, "api/v1/notifications")
        {
            Content = JsonContent.Create(new { event_type = "x", recipient_id = "u", template_id = "t", data = new { } }),
        };
        send.Headers.Add("Authorization", "Bearer unreachable-key");
        using var refused = await http.SendAsync(send);
        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        var problem = await refused.Content.ReadAsStringAsync();
        problem.ShouldContain("store-unavailable");
        // Anonymous answers say what is down, never the exception text (hosts, ports, user names).
        problem.ShouldNotContain("127.0.0.1");
        problem.ShouldNotContain("Exception");
        herald.IsRunning.ShouldBeTrue();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }
}
