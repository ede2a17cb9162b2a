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
        dlq.MapGet("/", ListDeadAsync).RequireScope(ApiKeys.ReadScope).Produces<DeadLetterPage>();
        dlq.MapPost("/{delivery_id}/replay", ReplayAsync).RequireScope(ApiKeys.Admin).Produces<ReplayResponse>(202).ProducesProblem(404).ProducesProblem(409);
        app.MapGet("/api/v1/outbox", ListOutboxAsync).WithTags("Outbox").RequireScope(ApiKeys.ReadScope).Produces<OutboxPage>().ProducesProblem(400);
    }

    private static async Task<IResult> ListDeadAsync(string? limit, string? cursor, INotificationQueryStore store, CancellationToken ct)
    {
        var n = Validate.Limit(limit);
        var page = await store.ListDeadLettersAsync(n, cursor, ct);
        return TypedResults.Ok(new DeadLetterPage([.. page.Select(d => new DeadLetterResponse(d.Id, d.NotificationId, d.RecipientId, d.EventType, d.Channel.ToWire(),
            d.Priority.ToWire(), Validate.Mask(d.Channel, d.Target), d.Attempts, d.LastError, d.UpdatedAt))], page.Count == n ? page[^1].Id : null));
    }

    private static async Task<IResult> ReplayAsync(string delivery_id, IDispatchStore dispatch, INotificationQueryStore store, Signals signals, TimeProvider time, CancellationToken ct)
    {
        var delivery = await store.GetDeliveryAsync(delivery_id, ct);
        if (delivery is null)
        {
            return Problems.NotFound("delivery", delivery_id);
        }

        if (!await dispatch.ReplayDeadAsync(delivery_id, time.GetUtcNow(), ct))
        {
            return Problems.Conflict("not-dead", $"delivery '{delivery_id}' is {delivery.Status}, not in the dead-letter queue; only dead deliveries that were never sent can be replayed");
        }

        signals.Notify(Signals.Lane(delivery.Channel, delivery.Priority));
        return TypedResults.Accepted($"/api/v1/notifications/{delivery.NotificationId}", new ReplayResponse(delivery_id, DeliveryStatus.Queued));
    }

    private static async Task<IResult> ListOutboxAsync(string? channel, string? recipient_id, string? limit, string? cursor, IOutboxStore outbox, CancellationToken ct)
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
        return TypedResults.Ok(new OutboxPage([.. page.Select(m => new OutboxMessageResponse(m.Id, m.DeliveryId, m.Channel.ToWire(), m.Provider, m.RecipientId,
            m.Target, JsonNode.Parse(m.Message), m.CreatedAt))], page.Count == n ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }
}
