using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>Look-ups of sends whose provider has not reported yet.</summary>
internal sealed class PostgresConfirmationStore(PostgresDatabase db) : IConfirmationStore
{
    // ix_deliveries_unconfirmed holds only sent email and SMS rows (channel 1, 2: the channels whose providers report later) with
    // no reported status whose look-ups have not ended, by provider and
    // send time: a claim reads one provider's range up to the window's edge, never every sent delivery.
    public Task<IReadOnlyList<UnconfirmedDelivery>> ClaimUnconfirmedAsync(string provider, DateTimeOffset sentBefore, DateTimeOffset now, DateTimeOffset holdUntil, int limit, CancellationToken ct) =>
        db.WriteRetryingAsync<IReadOnlyList<UnconfirmedDelivery>>(async (c, tx) => await c.Command($"""
            WITH due AS (
                SELECT notification_id AS xn, id AS xi FROM deliveries
                WHERE provider = @p AND status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL AND channel IN (1, 2)
                  AND sent_at <= @sent AND (confirm_due IS NULL OR confirm_due <= @now)
                ORDER BY sent_at LIMIT @n FOR UPDATE SKIP LOCKED)
            UPDATE deliveries SET confirm_due = @hold, confirm_lookups = confirm_lookups + 1
            FROM due WHERE notification_id = due.xn AND id = due.xi
            RETURNING {DeliveryRow.Columns}, confirm_lookups
            """, tx).With("p", provider).With("sent", sentBefore.Ms()).With("now", now.Ms()).With("hold", holdUntil.Ms()).With("n", limit)
            .ReadAllAsync(r => new UnconfirmedDelivery(DeliveryRow.Map(r), r.GetInt32(r.FieldCount - 1)), ct), ct);

    public Task RecordLookUpAsync(Delivery delivery, DateTimeOffset? askAgainAt, TraceEntry trace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(trace);
        return db.WriteRetryingAsync(async (c, tx) =>
        {
            await c.Command("""
                UPDATE deliveries SET confirm_due = @due::bigint, confirm_ended = CASE WHEN @due::bigint IS NULL THEN @now ELSE NULL END
                WHERE notification_id = @n AND id = @id AND status = 'sent'
                """, tx).With("due", askAgainAt.Ms()).With("now", trace.At.Ms()).With("n", delivery.NotificationId).With("id", delivery.Id).ExecuteNonQueryAsync(ct);
            // The look-up happened whatever the row became meanwhile (a late callback): its answer stays in the trace.
            await PgWrites.InsertTraceAsync(c, tx, [trace], ct);
            return true;
        }, ct);
    }

    public Task RestartConfirmationAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return db.WriteRetryingAsync(async (c, tx) => await c.Command("""
            UPDATE deliveries SET confirm_lookups = 0, confirm_due = NULL, confirm_ended = NULL WHERE notification_id = @n AND id = @id
            """, tx).With("n", delivery.NotificationId).With("id", delivery.Id).ExecuteNonQueryAsync(ct), ct);
    }
}
