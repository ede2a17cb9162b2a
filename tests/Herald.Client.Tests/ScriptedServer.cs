using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Herald.Client.Tests;

/// <summary>
/// A loopback HTTP server that answers each request with the next scripted response (the last one repeats) and records
/// what it received, to count a client's attempts and what they carried.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedResponse> _script;
    private readonly ScriptedResponse _last;

    private ScriptedServer(WebApplication app, ScriptedResponse[] script)
    {
        _app = app;
        _script = new ConcurrentQueue<ScriptedResponse>(script);
        _last = script[^1];
    }

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public Uri BaseAddress => new(_app.Urls.Single() + "/");

    public static async Task<ScriptedServer> StartAsync(params ScriptedResponse[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = new ScriptedServer(builder.Build(), script);
        server._app.Run(server.AnswerAsync);
        await server._app.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        Received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path, context.Request.Headers["Idempotency-Key"].ToString(),
            await reader.ReadToEndAsync(), DateTimeOffset.UtcNow));
        var next = _script.TryDequeue(out var r) ? r : _last;
        context.Response.StatusCode = next.Status;
        if (next.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        context.Response.ContentType = next.ContentType ?? (next.Status >= 400 ? "application/problem+json" : "application/json");
        await context.Response.WriteAsync(next.Body);
    }
}

public sealed record ScriptedResponse(int Status, string Body, string? RetryAfter = null, string? ContentType = null)
{
    public static ScriptedResponse Overloaded(string? retryAfter) =>
        new(503, """{"type":"https://herald.dev/problems/overloaded","title":"Herald is overloaded.","status":503,"detail":"retry later"}""", retryAfter);

    public static ScriptedResponse Accepted(string id) => new(202, $$"""{"id":"{{id}}","status":"accepted"}""");
}

public sealed record ReceivedRequest(string Method, string Path, string IdempotencyKey, string Body, DateTimeOffset At);
