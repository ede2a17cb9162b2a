using System.Globalization;
using System.Text.Json;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

internal static class FeedEndpoints
{
    public const string CorsPolicy = "feed";

    public static void MapFeed(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users/{user_id}/feed").WithTags("Feed").RequireCors(CorsPolicy);
        group.MapGet("/", GetAsync).RequireFeedAccess().Produces<FeedResponse>();
        group.MapPost("/{notification_id}/read", ReadAsync).RequireFeedAccess(SubscriberScopes.FeedWrite).Produces<UnreadCountResponse>().ProducesProblem(404);
        group.MapPost("/read-all", ReadAllAsync).RequireFeedAccess(SubscriberScopes.FeedWrite).Produces<MarkAllReadResponse>();
        group.MapPost("/{notification_id}/archive", ArchiveAsync).RequireFeedAccess(SubscriberScopes.FeedWrite).Produces<UnreadCountResponse>().ProducesProblem(404);
        group.MapGet("/stream", StreamAsync).RequireFeedAccess().WithMetadata(StreamTicketRoute.Instance).Produces(200, contentType: "text/event-stream")
            .WithSummary("Server-Sent Events of the feed; EventSource passes a stream ticket as ?ticket= (it cannot send the token header)");
        group.MapPost("/stream-ticket", SubscriberTokenEndpoints.StreamTicketAsync).RequireFeedAccess().Produces<StreamTicketResponse>()
            .WithSummary("A short-lived ticket (Herald:SubscriberTokens:TicketLifetime, 60 s) that opens this user's feed stream as ?ticket=, so the long-lived token never travels in a URL");
    }

    private static async Task<IResult> GetAsync(string user_id, bool? unread_only, string? limit, string? cursor, HttpContext http, IFeedStore feed, CancellationToken ct)
    {
        var n = Validate.Limit(limit);
        long? before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : null;
        var environment = AuthSchemes.EnvironmentOf(http.User);
        var items = await feed.GetFeedAsync(environment, user_id, unread_only ?? false, n, before, ct);
        var unread = await feed.CountUnreadAsync(environment, user_id, ct);
        return TypedResults.Ok(new FeedResponse([.. items.Select(ToResponse)], unread,
            items.Count == n ? items[^1].Seq.ToString(CultureInfo.InvariantCulture) : null));
    }

    private static async Task<IResult> ReadAsync(string user_id, string notification_id, HttpContext http, IFeedStore feed, Signals signals, TimeProvider time,
        CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await feed.MarkReadAsync(environment, user_id, notification_id, time.GetUtcNow(), ct))
        {
            return Problems.NotFound("feed item", notification_id);
        }

        signals.Notify(Signals.Feed(environment, user_id));
        return TypedResults.Ok(new UnreadCountResponse(await feed.CountUnreadAsync(environment, user_id, ct)));
    }

    private static async Task<IResult> ArchiveAsync(string user_id, string notification_id, HttpContext http, IFeedStore feed, Signals signals, TimeProvider time,
        CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await feed.ArchiveAsync(environment, user_id, notification_id, time.GetUtcNow(), ct))
        {
            return Problems.NotFound("feed item", notification_id);
        }

        signals.Notify(Signals.Feed(environment, user_id));
        return TypedResults.Ok(new UnreadCountResponse(await feed.CountUnreadAsync(environment, user_id, ct)));
    }

    private static async Task<IResult> ReadAllAsync(string user_id, HttpContext http, IFeedStore feed, Signals signals, TimeProvider time, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        var marked = await feed.MarkAllReadAsync(environment, user_id, time.GetUtcNow(), ct);
        signals.Notify(Signals.Feed(environment, user_id));
        return TypedResults.Ok(new MarkAllReadResponse(marked, await feed.CountUnreadAsync(environment, user_id, ct)));
    }

    /// <summary>
    /// Server-Sent Events: each feed item is an event whose id is its sequence number, so a reconnect with
    /// Last-Event-ID resumes exactly after the last item seen; an <c>unread_count</c> event (without id) follows each change.
    /// </summary>
    /// <remarks>
    /// A stream does not poll: it sleeps until its user's feed (in the request's environment) changes (<see cref="Signals.Feed"/>, woken by this process's
    /// deliveries and feed writes and, through the cluster signals, by other nodes'), at most
    /// <see cref="FeedOptions.StreamFallbackPoll"/>. The server ends each stream after <see cref="FeedOptions.StreamLifetime"/>:
    /// clients reconnect with Last-Event-ID and lose nothing, and long-lived connections spread over the nodes again after a
    /// deploy. Streams are capped per user and per process (429 with Retry-After beyond).
    /// </remarks>
    private static async Task StreamAsync(string user_id, HttpContext http, IFeedStore feed, Signals signals, FeedStreams streams, IOptions<FeedOptions> options,
        TimeProvider time, IHostApplicationLifetime host)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        using var lease = streams.TryOpen(environment, user_id, out var refusal);
        if (lease is null)
        {
            await TooManyStreams(refusal, options.Value).ExecuteAsync(http);
            return;
        }

        // A shutting-down server ends its streams at once (clients resume elsewhere) instead of waiting out the drain timeout.
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, host.ApplicationStopping);
        lifetime.CancelAfter(options.Value.StreamLifetime);
        var ct = lifetime.Token;
        var lastHeader = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["last_event_id"].FirstOrDefault();
        long last;
        if (!long.TryParse(lastHeader, NumberStyles.None, CultureInfo.InvariantCulture, out last))
        {
            var newest = await feed.GetFeedAsync(environment, user_id, false, 1, null, ct);
            last = newest.Count == 0 ? 0 : newest[0].Seq;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var unread = -1;
        try
        {
            await http.Response.WriteAsync("retry: 1000\n\n", ct);
            while (!ct.IsCancellationRequested)
            {
                // Armed before reading, so a change committed while this round reads is not slept through.
                var changed = signals.Arm(Signals.Feed(environment, user_id));
                var items = await feed.GetFeedSinceAsync(environment, user_id, last, 100, ct);
                foreach (var item in items)
                {
                    var json = JsonSerializer.Serialize(ToResponse(item), ApiJson.Default.FeedItemResponse);
                    await http.Response.WriteAsync($"id: {item.Seq}\nevent: notification\ndata: {json}\n\n", ct);
                    last = item.Seq;
                }

                var count = await feed.CountUnreadAsync(environment, user_id, ct);
                if (count != unread)
                {
                    unread = count;
                    await http.Response.WriteAsync($"event: unread_count\ndata: {{\"unread_count\":{count}}}\n\n", ct);
                }

                await http.Response.Body.FlushAsync(ct);
                if (items.Count == 100)
                {
                    continue;
                }

                await Signals.WaitAsync(changed, options.Value.StreamFallbackPoll, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away, or the stream's lifetime is over (the client reconnects); nothing to settle.
        }
    }

    private static RetryAfterResult TooManyStreams(FeedStreams.Refusal refusal, FeedOptions o) => refusal == FeedStreams.Refusal.UserFull
        ? new RetryAfterResult(Problems.Plain(429, "too-many-streams", "Too many feed streams for this user.",
            $"this user already has {o.MaxStreamsPerUser} open streams on this server; close one (or retry after the delay)"), 10)
        : new RetryAfterResult(Problems.Plain(429, "too-many-streams", "Too many feed streams on this server.",
            $"this server holds its maximum of {o.MaxStreamsPerProcess} open streams; retry after the delay"), 5);

    private static FeedItemResponse ToResponse(FeedItem i) =>
        new(i.Seq, i.NotificationId, i.EventType, i.Title, i.Body, i.ActionUrl, i.Icon, i.ReadAt is not null, i.CreatedAt, i.ReadAt);
}
