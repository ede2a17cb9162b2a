using Herald.Core.Domain;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Held webhook deliveries (their endpoint disabled): released when it is enabled, expired, or recovered by range.</summary>
public sealed partial class PostgresStore
{
    public Task<int> ReleaseHeldAsync(string? endpointId, DateTimeOffset expireBefore, DateTimeOffset now, CancellationToken ct) =>
        WriteRetryingAsync(async (c, tx) =>
        {
            const string Held = "status = 'held' AND (@e::text IS NULL OR target_ref = @e::text)";
            var expired = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'expired', last_error = 'held longer than the webhook hold time while its endpoint was disabled', updated_at = @now
                WHERE {Held} AND updated_at < @cutoff RETURNING notification_id, id
                """, endpointId, now, expireBefore.Ms(), ct);
            var orphaned = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'failed', last_error = 'webhook endpoint was deleted', updated_at = @now
                WHERE {Held} AND NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = deliveries.target_ref)
                RETURNING notification_id, id
                """, endpointId, now, null, ct);
            // A delivery held by a lane just as its endpoint was enabled misses this release; the next sweep releases it.
            var released = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, published_due = NULL, updated_at = @now
                WHERE {Held} AND target_ref IN (SELECT id FROM webhook_endpoints WHERE enabled)
                RETURNING notification_id, id
                """, endpointId, now, null, ct);
            await InsertTraceAsync(c, tx, [
                .. Traced(expired, now, DeliveryStatus.Expired, "held longer than the webhook hold time (Herald:Webhooks:HoldFor); expired unsent"),
                .. Traced(orphaned, now, DeliveryStatus.Failed, "held for a webhook endpoint that was deleted"),
                .. Traced(released, now, "released", "webhook endpoint enabled again; queued in its original order")], ct);
            await RefreshNotificationsAsync(c, tx, expired.Concat(orphaned).Select(m => m.NotificationId), now, ct);
            await NotifyDueByIdAsync(c, tx, released, ct);
            return released.Count;
        }, ct);

    public Task<int> RecoverAsync(string endpointId, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken ct) =>
        WriteRetryingAsync(async (c, tx) =>
        {
            // Notification ids are UUIDv7: the accepted-time range is an id range, which prunes the monthly partitions.
            var recovered = await MovedAsync(c.Command($"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, lease_owner = NULL, lease_until = NULL, published_due = NULL, updated_at = @now
                WHERE notification_id >= @lo AND notification_id < @hi AND target_ref = @e AND channel = @ch
                  AND status IN {DeliveryStatus.Sql.Recoverable} AND sent_at IS NULL
                RETURNING notification_id, id
                """, tx).With("lo", AnalyticsWindow.NotificationIdBound(since)).With("hi", AnalyticsWindow.NotificationIdBound(until))
                .With("e", endpointId).With("ch", (int)Channel.Webhook).With("now", now.Ms()), ct);
            await InsertTraceAsync(c, tx, [.. Traced(recovered, now, "recovered", $"recovered for webhook endpoint {endpointId}; queued in its original order")], ct);
            await RefreshNotificationsAsync(c, tx, recovered.Select(m => m.NotificationId), now, ct);
            await NotifyDueByIdAsync(c, tx, recovered, ct);
            return recovered.Count;
        }, ct);

    private static Task<IReadOnlyList<(string NotificationId, string DeliveryId)>> MoveAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, string? endpointId,
        DateTimeOffset now, long? cutoff, CancellationToken ct)
    {
        var command = c.Command(sql, tx).With("e", endpointId).With("now", now.Ms());
        return MovedAsync(cutoff is { } ms ? command.With("cutoff", ms) : command, ct);
    }

    /// <summary>The (notification id, delivery id) pairs an UPDATE … RETURNING moved.</summary>
    private static async Task<IReadOnlyList<(string NotificationId, string DeliveryId)>> MovedAsync(NpgsqlCommand command, CancellationToken ct) =>
        await command.ReadAllAsync(r => (NotificationId: r.GetString(0), DeliveryId: r.GetString(1)), ct);

    private static IEnumerable<TraceEntry> Traced(IEnumerable<(string NotificationId, string DeliveryId)> moved, DateTimeOffset now, string decision, string reason) =>
        moved.Select(m => new TraceEntry(m.NotificationId, now, "endpoint", Channel.Webhook.ToWire(), decision, $"delivery {m.DeliveryId}: {reason}"));
}
