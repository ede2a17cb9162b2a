using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Two worker processes on one PostgreSQL and RabbitMQ: the second joins after the first is active on every partition,
/// and still gets a share of the sending (the first yields the partitions the second owns); killed, it leaves all of
/// the sending to the first.
/// </summary>
[Collection("Cluster")]
public sealed class WorkerSpreadTests(ITestOutputHelper output) : IDisposable
{
    private const string Key = "spread-admin-key-0123456789abcdef0";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-spread", Guid.NewGuid().ToString("N"));
    private readonly List<HeraldProcess> _nodes = [];
    private string? _prefix;

    [Fact]
    public async Task TwoWorkers_EachSendsAShare_AndTheSurvivorSendsEverythingAfterTheOtherIsKilled()
    {
        Directory.CreateDirectory(_dir);
        var connection = ExternalServices.NewDatabase("herald_spread");
        _prefix = new NpgsqlConnectionStringBuilder(connection).Database!;
        foreach (var roles in new[] { "api,worker,scheduler", "api,worker" })
        {
            var node = new HeraldProcess(Path.Combine(_dir, "unused.db"), Key, new Dictionary<string, string>
            {
                ["Herald__Roles"] = roles,
                ["Herald__Storage__Engine"] = "postgres",
                ["Herald__Storage__Postgres__ConnectionString"] = connection,
                ["Herald__Transport__Engine"] = "rabbitmq",
                ["Herald__Transport__RabbitMq__Uri"] = ExternalServices.RabbitMqUri,
                ["Herald__Transport__RabbitMq__ExchangePrefix"] = _prefix,
                ["Herald__Pipeline__RateLimits__in_app"] = "100000/1h",
            });
            _nodes.Add(node);
            await node.StartAsync(TimeSpan.FromSeconds(60));
        }

        await WaitAsync(async () => await WorkersAsync(connection) == 2, TimeSpan.FromSeconds(20), "both workers registered");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15), BaseAddress = _nodes[0].BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        (await http.PostAsJsonAsync("/api/v1/templates", new JsonObject
        {
            ["template_id"] = "spread",
            ["variables"] = new JsonArray("n"),
            ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hello", ["body"] = "Round {{n}}" } },
        })).EnsureSuccessStatusCode();
        (await http.PostAsync("/api/v1/templates/spread/versions/1/publish", null)).EnsureSuccessStatusCode();

        await SendAsync(http, 0, 6);
        await WaitAsync(async () => await CompletedAsync(connection) == 600, TimeSpan.FromSeconds(90), "600 notifications completed");
        var first = await SentAsync(_nodes[0]);
        var second = await SentAsync(_nodes[1]);
        output.WriteLine($"in-app sent: node 1 {first}, node 2 {second}");
        (first + second).ShouldBe(600);
        second.ShouldBeGreaterThanOrEqualTo(60, "the node that joined second sends a share");
        first.ShouldBeGreaterThanOrEqualTo(60);

        _nodes[1].Kill();
        await SendAsync(http, 6, 3);
        await WaitAsync(async () => await CompletedAsync(connection) == 900, TimeSpan.FromSeconds(90), "900 notifications completed");
        (await SentAsync(_nodes[0]) - first).ShouldBe(300, "the survivor sent all of the second round");
    }

    private static async Task SendAsync(HttpClient http, int from, int batches)
    {
        for (var b = from; b < from + batches; b++)
        {
            var response = await http.PostAsJsonAsync("/api/v1/notifications/batch", new JsonObject
            {
                ["event_type"] = "spread.test",
                ["recipient_ids"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)$"s{(b * 37 + i) % 400:D4}")]),
                ["template_id"] = "spread",
                ["data"] = new JsonObject { ["n"] = b.ToString(CultureInfo.InvariantCulture) }, // distinct content: no dedup
            });
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>In-app deliveries this process sent, from its own /metrics.</summary>
    private static async Task<double> SentAsync(HeraldProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseAddress };
        var text = await http.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => l.StartsWith("herald_deliveries_total{", StringComparison.Ordinal)
                && l.Contains("channel=\"in_app\"", StringComparison.Ordinal) && l.Contains("outcome=\"sent\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task<long> CompletedAsync(string connection) =>
        await ScalarAsync(connection, "SELECT count(*) FROM notifications WHERE status = 'completed'");

    private static async Task<long> WorkersAsync(string connection) =>
        await ScalarAsync(connection, "SELECT count(*) FROM worker_nodes WHERE seen_at > clock_timestamp() - interval '6 seconds'");

    private static async Task<long> ScalarAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout}: {what}");
            }

            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        if (_prefix is not null)
        {
            RabbitMqCleanup.DeletePrefixAsync(ExternalServices.RabbitMqUri, _prefix, 4).GetAwaiter().GetResult();
        }

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
