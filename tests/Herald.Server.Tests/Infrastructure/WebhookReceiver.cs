using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>A real Kestrel receiver on 127.0.0.1 and a free port: records every request and answers <see cref="StatusCode"/>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private int statusCode = 200;
    private int inFlight;
    private int maxInFlight;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>The path and body of every request as it arrives, before any hold or delay.</summary>
    public ConcurrentQueue<(string Path, string Body)> Arrived { get; } = new();

    private readonly ConcurrentDictionary<string, Task> holds = new(StringComparer.Ordinal);

    /// <summary>Requests to <paramref name="path"/> are held (not answered) until <paramref name="release"/> completes.</summary>
    public void Hold(string path, Task release) => holds[path] = release;

    /// <summary>The status every request is answered with from now on.</summary>
    public int StatusCode
    {
        get => Volatile.Read(ref statusCode);
        set => Volatile.Write(ref statusCode, value);
    }

    /// <summary>How long each request is held before it is answered (to see how many arrive at once).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The most requests that were being handled at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref maxInFlight);

    public Uri Url => new(new Uri(app.Urls.Single()), "/hooks");

    public static async Task<WebhookReceiver> StartAsync(int statusCode = 200)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build()) { StatusCode = statusCode };
        receiver.app.Run(receiver.HandleAsync);
        await receiver.app.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers;
        Arrived.Enqueue((context.Request.Path.Value ?? "", body));
        var now = Interlocked.Increment(ref inFlight);
        for (var seen = MaxInFlight; now > seen && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen; seen = MaxInFlight)
        {
        }

        try
        {
            if (holds.TryGetValue(context.Request.Path.Value ?? "", out var release))
            {
                await release.WaitAsync(context.RequestAborted);
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, context.RequestAborted);
            }

            var status = StatusCode;
            Received.Enqueue(new ReceivedWebhook(headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(),
                headers["webhook-signature"].ToString(), context.Request.ContentType ?? "", body, status));
            context.Response.StatusCode = status;
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }
}

/// <summary>One request as the receiver saw it, with the status it answered.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string ContentType, string Body, int AnsweredStatus);
