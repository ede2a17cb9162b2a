using Herald.Core.Domain;
using Herald.Core.Ingest;
using Herald.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

internal static class NotificationsEndpoints
{
    public const int MaxBatchRecipients = 10_000;

    public static void MapNotifications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notifications").WithTags("Notifications");
        group.MapPost("/", SendAsync).RequireScope(ApiKeys.NotificationsSend).Accepts<SendRequest>("application/json").Produces<AcceptedResponse>(202).Produces<TopicSendAcceptedResponse>(202).ProducesProblem(400).ProducesProblem(422).ProducesProblem(503);
        group.MapPost("/batch", BatchAsync).RequireScope(ApiKeys.NotificationsSend).Accepts<BatchRequest>("application/json").Produces<BatchAcceptedResponse>(202).ProducesProblem(400).ProducesProblem(413).ProducesProblem(422).ProducesProblem(503);
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeys.NotificationsRead).Produces<NotificationResponse>().ProducesProblem(404);
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.NotificationsRead).Produces<NotificationPage>().ProducesProblem(400);
        group.MapDelete("/{id}", CancelAsync).RequireScope(ApiKeys.NotificationsSend).Produces<NotificationResponse>().ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> SendAsync(HttpRequest request, IngestService ingest, Herald.Core.Campaigns.CampaignService campaigns, KeyRateLimits limits, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.SendRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var common = new Common(r.EventType, r.Priority, r.Channels, r.TemplateId, r.TemplateVersion, r.Data, r.IdempotencyKey, r.ScheduledAt, r.ExpiresAt, r.Escalation);
        if (r.Topic is not null)
        {
            // A topic send is one send whatever its audience: one notification permit.
            return limits.TakeNotifications(request.HttpContext, 1) ?? await CampaignsEndpoints.TopicSendAsync(request, r, common, body.Hash, campaigns, ct);
        }

        var (cmd, problem) = Command(request, common, Validate.Recipient("recipient_id", r.RecipientId), [r.RecipientId!], isBatch: false, body.Hash);
        return problem ?? limits.TakeNotifications(request.HttpContext, 1) ?? Answer(await ingest.SendAsync(cmd!, ct));
    }

    private static async Task<IResult> BatchAsync(HttpRequest request, IngestService ingest, IOptions<IngestOptions> options, KeyRateLimits limits, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.BatchRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var recipients = r.RecipientIds ?? [];
        var (cmd, problem) = Command(request, new(r.EventType, r.Priority, r.Channels, r.TemplateId, r.TemplateVersion, r.Data, r.IdempotencyKey, r.ScheduledAt, r.ExpiresAt, r.Escalation),
            Recipients(recipients), [.. recipients.Distinct(StringComparer.Ordinal)], isBatch: true, body.Hash);
        problem ??= BatchExpansion.Check(cmd!.RecipientIds.Count, r.Data, options.Value.MaxBatchExpandedBytes);
        // One permit per notification the batch creates (recipients listed twice are sent to once).
        return problem ?? limits.TakeNotifications(request.HttpContext, cmd!.RecipientIds.Count) ?? Answer(await ingest.SendAsync(cmd!, ct));
    }

    /// <summary>The fields single and batch sends share.</summary>
    internal sealed record Common(string? EventType, string? Priority, List<string>? Channels, string? TemplateId, int? TemplateVersion,
        System.Text.Json.Nodes.JsonObject? Data, string? IdempotencyKey, DateTimeOffset? ScheduledAt, DateTimeOffset? ExpiresAt = null,
        List<EscalationDto>? Escalation = null);

    internal static (SendCommand? Command, ProblemHttpResult? Problem) Command(HttpRequest request, Common c, ProblemHttpResult? recipientProblem, List<string> recipients, bool isBatch, string hash)
    {
        var priorityProblem = Validate.Priority(c.Priority, out var priority);
        var channelsProblem = Validate.Channels(c.Channels, out var channels);
        var keyProblem = Validate.IdempotencyKey(request, c.IdempotencyKey, out var key);
        var optionsProblem = Validate.Options(c.ExpiresAt, c.ScheduledAt, c.Escalation, channels, request.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), out var options);
        var problem = Validate.Name("event_type", c.EventType) ?? recipientProblem ?? priorityProblem ?? channelsProblem
            ?? Validate.Name("template_id", c.TemplateId, required: false) ?? keyProblem ?? optionsProblem;
        return problem is not null
            ? (null, problem)
            : (new SendCommand(c.EventType!, recipients, isBatch, priority, channels, c.TemplateId ?? c.EventType!, c.TemplateVersion, c.Data ?? [], key, c.ScheduledAt, hash, options,
                AuthSchemes.EnvironmentOf(request.HttpContext.User)), null);
    }

    private static ProblemHttpResult? Recipients(List<string> ids)
    {
        if (ids.Count == 0)
        {
            return Problems.Validation("recipient_ids", "'recipient_ids' must list at least one recipient");
        }

        if (ids.Count > MaxBatchRecipients)
        {
            return Problems.Validation("recipient_ids", $"a batch takes at most {MaxBatchRecipients} recipients; got {ids.Count}");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            if (Validate.Recipient($"recipient_ids[{i}]", ids[i]) is { } bad)
            {
                return bad;
            }
        }

        return null;
    }

    internal static IResult Answer(IngestResult result) => result switch
    {
        IngestResult.Accepted ok => new RawJsonResult(ok.StatusCode, ok.Body, ok.Replayed),
        IngestResult.Problem p => p.Kind switch
        {
            IngestProblem.UnknownTemplate => Problems.Field(404, "unknown-template", "The template does not exist.", p.Field, p.Detail),
            IngestProblem.UnknownTemplateVersion => Problems.Field(404, "unknown-template-version", "The template version does not exist.", p.Field, p.Detail),
            IngestProblem.TemplateNotPublished => Problems.Unprocessable("template-not-published", p.Field, p.Detail),
            IngestProblem.MissingVariable => Problems.Unprocessable("missing-template-variable", p.Field, p.Detail),
            IngestProblem.ChannelNotInTemplate => Problems.Unprocessable("channel-not-in-template", p.Field, p.Detail),
            IngestProblem.IdempotencyKeyReused => Problems.Unprocessable("idempotency-key-reused", p.Field, p.Detail),
            IngestProblem.IdempotencyKeyInFlight => Problems.Conflict("idempotency-key-in-flight", p.Detail),
            IngestProblem.Unstorable => Problems.Unprocessable("unstorable-value", p.Field, p.Detail),
            _ => new RetryAfterResult(Problems.Plain(503, "overloaded", "Herald is overloaded.", p.Detail), 1),
        },
        _ => throw new InvalidOperationException("unknown ingest result"),
    };

    private static async Task<IResult> GetAsync(string id, HttpContext http, INotificationQueryStore store, CancellationToken ct)
    {
        if (await InEnvironmentAsync(id, http, store, ct) is not { } n)
        {
            return Problems.NotFound("notification", id);
        }

        return TypedResults.Ok(await DetailAsync(n, store, ct));
    }

    /// <summary>The notification if it is of the caller's environment; another environment's reads as missing (never a hint that it exists).</summary>
    internal static async Task<Notification?> InEnvironmentAsync(string id, HttpContext http, INotificationQueryStore store, CancellationToken ct) =>
        await store.GetNotificationAsync(id, ct) is { } n && n.EnvironmentId == AuthSchemes.EnvironmentOf(http.User) ? n : null;

    internal static async Task<NotificationResponse> DetailAsync(Notification n, INotificationQueryStore store, CancellationToken ct)
    {
        var deliveries = await store.GetDeliveriesAsync(n.Id, ct);
        var trace = await store.GetTraceAsync(n.Id, ct);
        return Summary(n) with
        {
            Deliveries = [.. deliveries.Select(d => new DeliveryResponse(d.Id, d.Channel.ToWire(), Validate.Mask(d.Channel, d.Target), d.Provider, d.Status, d.Attempts,
                d.LastError, d.SentAt, d.DeliveredAt))],
            Trace = [.. trace.Select(t => new TraceResponse(t.At, t.Stage, t.Channel, t.Decision, t.Reason))],
        };
    }

    private static NotificationResponse Summary(Notification n) => new(n.Id, n.EventType, n.RecipientId, n.Priority.ToWire(), n.Status, n.TemplateId, n.TemplateVersion,
        n.Status == NotificationStatus.Scheduled ? n.DueAt : null, n.CreatedAt, null, null);

    /// <summary>Newest first, filtered by recipient, status, event type and creation time (from/to, RFC 3339, both inclusive).</summary>
    private static async Task<IResult> ListAsync(string? recipient_id, string? status, string? event_type, string? from, string? to, string? limit, string? cursor,
        HttpContext http, INotificationQueryStore store, CancellationToken ct)
    {
        if (Validate.NotificationStatusFilter(status) is { } badStatus)
        {
            return badStatus;
        }

        if (Validate.Timestamp("from", from, out var fromAt) is { } badFrom)
        {
            return badFrom;
        }

        if (Validate.Timestamp("to", to, out var toAt) is { } badTo)
        {
            return badTo;
        }

        var n = Validate.Limit(limit);
        var search = new NotificationSearch(AuthSchemes.EnvironmentOf(http.User), recipient_id, status, event_type,
            fromAt is null ? null : NotificationSearch.IdBound(fromAt.Value, upper: false), toAt is null ? null : NotificationSearch.IdBound(toAt.Value, upper: true));
        var page = await store.SearchNotificationsAsync(search, n, cursor, ct);
        return TypedResults.Ok(new NotificationPage([.. page.Select(Summary)], page.Count == n ? page[^1].Id : null));
    }

    /// <summary>
    /// Cancelling is audited although sending is not: it withdraws a message already accepted for someone (a password
    /// reset, a security alert), as pausing or cancelling a campaign does for many.
    /// </summary>
    private static async Task<IResult> CancelAsync(string id, HttpContext http, INotificationQueryStore store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (await InEnvironmentAsync(id, http, store, ct) is null)
        {
            return Problems.NotFound("notification", id);
        }

        var cancelled = await store.CancelNotificationAsync(id, time.GetUtcNow(), ct);
        if (cancelled is null)
        {
            return Problems.NotFound("notification", id);
        }

        if (cancelled == false)
        {
            return Problems.Conflict("nothing-to-cancel", $"notification '{id}' has nothing left to cancel: its deliveries were already sent or settled");
        }

        var notification = (await store.GetNotificationAsync(id, ct))!;
        await audit.RecordAsync(http, Core.Audit.AuditActions.NotificationCancelled, id,
            new System.Text.Json.Nodes.JsonObject { ["event_type"] = notification.EventType, ["recipient_id"] = notification.RecipientId });
        return TypedResults.Ok(await DetailAsync(notification, store, ct));
    }
}
