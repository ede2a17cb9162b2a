using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Tests;

/// <summary>
/// A real Herald server (child process, SQLite) with a one-retry webhook schedule, and a loopback webhook receiver
/// whose answer a test sets: dead letters within a second, then replayable.
/// </summary>
public sealed class CliServerFixture : IAsyncLifetime
{
    public const string ApiKey = "cli-test-admin-key-0123456789abcdef";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-cli-tests", Guid.NewGuid().ToString("N"));
    private HeraldProcess _herald = null!;
    private WebApplication _receiver = null!;

    public Uri Server => _herald.BaseAddress;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The status the webhook receiver answers.</summary>
    public int ReceiverStatus { get; set; } = 500;

    public ConcurrentQueue<string> Received { get; } = new();

    public string ReceiverUrl => _receiver.Urls.Single() + "/hooks";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            Received.Enqueue(await reader.ReadToEndAsync());
            context.Response.StatusCode = ReceiverStatus;
        });
        await _receiver.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Directory.CreateDirectory(_directory);
        _herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), ApiKey, new Dictionary<string, string>
        {
            ["Herald__Webhooks__RetrySchedule"] = "100ms",
        });
        await _herald.StartAsync(TimeSpan.FromSeconds(60));
        Http = new HttpClient { BaseAddress = Server, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        _herald.Dispose();
        await _receiver.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }

    /// <summary>Runs the CLI in this process against the server; returns its exit code and what it wrote.</summary>
    public async Task<CliRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment(output, error, name => name switch
        {
            "HERALD_URL" => Server.ToString(),
            "HERALD_API_KEY" => ApiKey,
            _ => null,
        }, _directory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var code = await Cli.RunAsync(args, environment, timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public string NewFolder()
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public async Task CreateTemplateAsync(string id, JsonObject channels, params string[] variables)
    {
        var body = new JsonObject { ["template_id"] = id, ["channels"] = channels, ["variables"] = new JsonArray([.. variables.Select(v => (JsonNode?)JsonValue.Create(v))]) };
        using var created = await Http.PostAsync(new Uri("/api/v1/templates", UriKind.Relative), Json(body));
        ((int)created.StatusCode).ShouldBe(201, await created.Content.ReadAsStringAsync());
        var version = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["version"]!.GetValue<int>();
        using var published = await Http.PostAsync(new Uri($"/api/v1/templates/{id}/versions/{version}/publish", UriKind.Relative), null);
        ((int)published.StatusCode).ShouldBe(200);
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(200, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls the notification until <paramref name="done"/> holds (bounded).</summary>
    public async Task<JsonNode> WaitForAsync(string id, Func<JsonNode, bool> done)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var n = await GetAsync($"/api/v1/notifications/{id}");
            if (done(n))
            {
                return n;
            }
        }

        throw new TimeoutException($"notification {id} did not reach the expected state");
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

public sealed record CliRun(int ExitCode, string Output, string Error);
