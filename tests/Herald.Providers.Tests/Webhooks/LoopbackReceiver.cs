using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Herald.Providers.Tests.Webhooks;

/// <summary>
/// A real Kestrel endpoint on 127.0.0.1 and a free port. It records every request, then answers by path:
/// <c>/status/{code}[?retryAfter=…]</c>, <c>/redirect</c> (302 to /status/200), <c>/slow</c> (never answers in time).
/// </summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri BaseUrl => new(app.Urls.Single());

    public Uri Url(string pathAndQuery) => new(BaseUrl, pathAndQuery);

    public static async Task<LoopbackReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new LoopbackReceiver(builder.Build());
        receiver.app.Run(receiver.HandleAsync);
        await receiver.app.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        string body = await reader.ReadToEndAsync(context.RequestAborted);
        IHeaderDictionary headers = context.Request.Headers;
        Received.Enqueue(new ReceivedWebhook(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            headers["webhook-id"].ToString(),
            headers["webhook-timestamp"].ToString(),
            headers["webhook-signature"].ToString(),
            context.Request.ContentType ?? "",
            body));

        string path = context.Request.Path.Value ?? "";
        if (path == "/slow")
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        else if (path == "/redirect")
        {
            context.Response.Redirect("/status/200");
        }
        else if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = int.Parse(path["/status/".Length..], CultureInfo.InvariantCulture);
            if (context.Request.Query.TryGetValue("retryAfter", out var retryAfter))
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}

internal sealed record ReceivedWebhook(
    string Method, string Path, string Id, string Timestamp, string Signature, string ContentType, string Body);
