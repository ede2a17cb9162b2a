using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// The real server exports its spans over OTLP/HTTP (protobuf) to a collector on loopback: the requests arrive at
/// /v1/traces, and their bodies hold the caller's trace id (16 raw bytes in protobuf) and Herald's span names. With the
/// metrics endpoint set, metrics arrive at /v1/metrics instead.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-otlp", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> _received = new();
    private WebApplication _collector = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Path, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
        });
        await _collector.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Export_ConfiguredEndpoint_PostsProtobufSpansOfTheTrace()
    {
        Directory.CreateDirectory(_directory);
        var key = "otlp-key-" + Guid.NewGuid().ToString("N");
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), key, new Dictionary<string, string>
        {
            ["Herald__Tracing__OtlpEndpoint"] = _collector.Urls.Single(),
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        await herald.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = herald.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var traceId = ActivityTraceId.CreateRandom();
        await SendOneAsync(http, $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        var idBytes = Convert.FromHexString(traceId.ToHexString());
        await Polling.WaitUntilAsync(() => Task.FromResult(Exported(idBytes, "herald.deliver")), TimeSpan.FromSeconds(30), "no exported batch held the deliver span of the trace");

        _received.ShouldAllBe(r => r.Path == "/v1/traces" && r.ContentType == "application/x-protobuf");
        Exported(idBytes, "herald.ingest").ShouldBeTrue();
        Exported(idBytes, "herald.plan").ShouldBeTrue();
    }

    [Fact]
    public async Task Export_MetricsEndpointConfigured_PostsProtobufMetricsOfHeraldAndAspNetCore()
    {
        Directory.CreateDirectory(_directory);
        var key = "otlp-key-" + Guid.NewGuid().ToString("N");
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), key, new Dictionary<string, string>
        {
            ["Herald__Metrics__OtlpEndpoint"] = _collector.Urls.Single(),
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        });
        await herald.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = herald.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        await SendOneAsync(http, traceparent: null);

        await Polling.WaitUntilAsync(() => Task.FromResult(Exported("/v1/metrics", "herald.notifications.accepted") && Exported("/v1/metrics", "http.server.request.duration")),
            TimeSpan.FromSeconds(30), "no exported batch held Herald's accepted counter and ASP.NET Core's request duration");
        _received.ShouldAllBe(r => r.Path == "/v1/metrics" && r.ContentType == "application/x-protobuf");
    }

    public async Task DisposeAsync()
    {
        await _collector.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _collector.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }

    /// <summary>True when one exported body holds both the trace id's bytes and the span name (protobuf keeps both verbatim).</summary>
    private bool Exported(byte[] traceId, string spanName)
    {
        var name = Encoding.UTF8.GetBytes(spanName);
        return _received.Any(r => r.Body.AsSpan().IndexOf(traceId) >= 0 && r.Body.AsSpan().IndexOf(name) >= 0);
    }

    private bool Exported(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return _received.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(bytes) >= 0);
    }

    /// <summary>Creates and publishes an in-app template and sends one notification of it (with the caller's traceparent when given).</summary>
    private static async Task SendOneAsync(HttpClient http, string? traceparent)
    {
        using (var created = await http.PostAsync(new Uri("/api/v1/templates", UriKind.Relative), Json(new JsonObject
        {
            ["template_id"] = "otlp-t", ["channels"] = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hi", ["body"] = "Hi" } },
        })))
        {
            ((int)created.StatusCode).ShouldBe(201);
        }

        using (var published = await http.PostAsync(new Uri("/api/v1/templates/otlp-t/versions/1/publish", UriKind.Relative), null))
        {
            ((int)published.StatusCode).ShouldBe(200);
        }

        using var send = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notifications") { Content = Json(new JsonObject { ["event_type"] = "otlp-t", ["recipient_id"] = "otlp-user" }) };
        if (traceparent is not null)
        {
            send.Headers.Add("traceparent", traceparent);
        }

        using var accepted = await http.SendAsync(send);
        ((int)accepted.StatusCode).ShouldBe(202);
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
