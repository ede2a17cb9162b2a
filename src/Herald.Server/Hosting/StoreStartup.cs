using System.Data.Common;
using System.Net.Sockets;
using Herald.Server.Api;

namespace Herald.Server.Hosting;

/// <summary>
/// Whether the store is prepared (schema, secrets). Until it is, every request but /healthz and /readyz gets 503 with
/// Retry-After, so nothing is accepted that cannot be persisted.
/// </summary>
internal sealed partial class StoreStartup(bool Retries)
{
    private volatile bool _ready;
    private volatile string? _failure;

    public bool Retries { get; } = Retries;

    public bool Ready => _ready;

    /// <summary>Why the store is not ready, for /readyz.</summary>
    public string? Failure => _failure;

    public void MarkReady()
    {
        _failure = null;
        _ready = true;
    }

    /// <remarks>
    /// The reason is generic on purpose: /readyz and the 503 are anonymous, and an exception message names hosts,
    /// ports, user names and driver versions. The exception itself goes to the log, where operators look.
    /// </remarks>
    public void MarkFailing(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        _failure = "unreachable; retrying";
    }

    /// <summary>Retries <paramref name="prepare"/> with exponential backoff (0.5 s up to 15 s) until it succeeds.</summary>
    public async Task RetryAsync(Func<Task> prepare, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        var delay = TimeSpan.FromMilliseconds(500);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, ct);
                await prepare();
                MarkReady();
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                MarkFailing(ex);
                LogRetryFailed(logger, ex);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }

    /// <summary>True for failures that mean "the store or broker cannot be reached right now", not a bug.</summary>
    public static bool IsUnavailable(Exception ex)
    {
        for (var e = (Exception?)ex; e is not null; e = e.InnerException)
        {
            // Npgsql marks connection loss, timeouts and server shutdown as transient; the API path never touches the broker.
            if (e is DbException { IsTransient: true } or SocketException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The store is still unreachable; retrying with backoff")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception);
}

internal static class StoreStartupMiddleware
{
    public static IApplicationBuilder UseStoreStartupGate(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var startup = context.RequestServices.GetRequiredService<StoreStartup>();
            var path = context.Request.Path;
            if (startup.Ready || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "2";
            await Problems.Plain(503, "store-unavailable", "The store is unavailable.", startup.Failure ?? "the store is being prepared").ExecuteAsync(context);
        });
}
