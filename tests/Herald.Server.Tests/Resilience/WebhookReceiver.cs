using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Resilience;

/// <summary>
/// A customer's webhook endpoint on loopback (Kestrel): answers 200 to everything and counts each webhook-id it
/// received in full, so a test can tell how often each delivery reached its target.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _notificationIds = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private int _total;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How long the endpoint takes to answer, after it has counted the request (a slow customer).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>Requests received in full (repeats included).</summary>
    public int Total => Volatile.Read(ref _total);

    public IReadOnlyDictionary<string, int> CountsByWebhookId => _counts;

    /// <summary>The notification id each webhook-id's payload carried.</summary>
    public IReadOnlyDictionary<string, string> NotificationIds => _notificationIds;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{user}", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var id = request.Headers["webhook-id"].FirstOrDefault() ?? "(missing)";
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        var notificationId = body.RootElement.GetProperty("data").GetProperty("notification_id").GetString() ?? "";
        _notificationIds.TryAdd(id, notificationId);
        _counts.AddOrUpdate(id, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, request.HttpContext.RequestAborted);
        }

        return Results.Ok();
    }
}
