using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>Dead letters and the capture outbox: what operators and tests look at.</summary>
internal static class OperationsEndpoints
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        var dlq = app.MapGroup("/api/v1/dead-letters").WithTags("Dead letters");
        dlq.MapGet("/", ListDeadAsync).RequireScope(ApiKeys.NotificationsRead).Produces<DeadLetterPage>().ProducesProblem(400);
        dlq.MapGet("/{delivery_id}", GetDeadAsync).RequireScope(ApiKeys.NotificationsRead).Produces<DeadLetterResponse>().ProducesProblem(404);
        dlq.MapPost("/{delivery_id}/replay", ReplayAsync).RequireScope(ApiKeys.Admin).Produces<ReplayResponse>(202).ProducesProblem(404).ProducesProblem(409);
        app.MapGet("/api/v1/outbox", ListOutboxAsync).WithTags("Outbox").RequireScope(ApiKeys.NotificationsRead).Produces<OutboxPage>().ProducesProblem(400);
    }

    private static async Task<IResult> ListDeadAsync(string? limit, string? cursor, string? channel, HttpContext http, INotificationQueryStore store, CancellationToken ct)
    {
        if (Validate.ChannelFilter(channel, out var only) is { } bad)
        {
            return bad;
        }

        var n = Validate.Limit(limit);
        var page = await store.ListDeadLettersAsync(AuthSchemes.EnvironmentOf(http.User), n, cursor, only, ct);
        return TypedResults.Ok(new DeadLetterPage([.. page.Select(d => DeadLetter(d, withContent: false))], page.Count == n ? page[^1].Id : null));
    }

    /// <summary>
    /// One dead letter with the rendered content it would send when the key has content:read (null otherwise); any
    /// delivery id answers, so a replayed one shows its new state.
    /// </summary>
    private static async Task<IResult> GetDeadAsync(string delivery_id, HttpContext http, INotificationQueryStore store, CancellationToken ct) =>
        await InEnvironmentAsync(delivery_id, http, store, ct) is { } d ? TypedResults.Ok(DeadLetter(d, withContent: Auth.CanReadContent(http))) : Problems.NotFound("delivery", delivery_id);

    /// <summary>The delivery if its notification is of the caller's environment; another environment's reads as missing.</summary>
    private static async Task<Delivery?> InEnvironmentAsync(string deliveryId, HttpContext http, INotificationQueryStore store, CancellationToken ct) =>
        await store.GetDeliveryAsync(deliveryId, ct) is { } d && await NotificationsEndpoints.InEnvironmentAsync(d.NotificationId, http, store, ct) is not null ? d : null;

    private static DeadLetterResponse DeadLetter(Delivery d, bool withContent) =>
        new(d.Id, d.NotificationId, d.RecipientId, d.EventType, d.Channel.ToWire(), d.Priority.ToWire(), Validate.Mask(d.Channel, d.Target), d.Attempts,
            d.LastError, d.UpdatedAt, d.Status, withContent ? ParseContent(d.Content) : null);

    private static JsonNode? ParseContent(string content)
    {
        try
        {
            return JsonNode.Parse(content);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(content);
        }
    }

    private static async Task<IResult> ReplayAsync(string delivery_id, HttpContext http, IDispatchStore dispatch, INotificationQueryStore store, Signals signals, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        var delivery = await InEnvironmentAsync(delivery_id, http, store, ct);
        if (delivery is null)
        {
            return Problems.NotFound("delivery", delivery_id);
        }

        if (!await dispatch.ReplayDeadAsync(delivery_id, time.GetUtcNow(), ct))
        {
            return Problems.Conflict("not-dead", $"delivery '{delivery_id}' is {delivery.Status}, not in the dead-letter queue; only dead deliveries that were never sent can be replayed");
        }

        await audit.RecordAsync(http, Core.Audit.AuditActions.DlqReplayed, delivery_id, new JsonObject { ["notification_id"] = delivery.NotificationId });
        signals.Notify(Signals.Lane(delivery.Channel, delivery.Priority));
        return TypedResults.Accepted($"/api/v1/notifications/{delivery.NotificationId}", new ReplayResponse(delivery_id, DeliveryStatus.Queued));
    }

    /// <summary>What the capture provider received; the message and the full target only for keys with content:read.</summary>
    private static async Task<IResult> ListOutboxAsync(string? channel, string? recipient_id, string? limit, string? cursor, HttpContext http, IOutboxStore outbox, CancellationToken ct)
    {
        Channel? only = null;
        if (channel is not null)
        {
            if (!ChannelNames.TryParseChannel(channel, out var c) || c is Channel.InApp or Channel.Webhook)
            {
                return Problems.Validation("channel", $"'{channel}' has no outbox; expected email, sms or push");
            }

            only = c;
        }

        var n = Validate.Limit(limit, 100, 1000);
        long? after = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null;
        var page = await outbox.ListOutboxAsync(only, recipient_id, n, after, ct);
        var content = Auth.CanReadContent(http);
        return TypedResults.Ok(new OutboxPage([.. page.Select(m => new OutboxMessageResponse(m.Id, m.DeliveryId, m.Channel.ToWire(), m.Provider, m.RecipientId,
            content ? m.Target : Validate.Mask(m.Channel, m.Target), content ? JsonNode.Parse(m.Message) : null, m.CreatedAt))],
            page.Count == n ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }
}
