using Herald.Core.Domain;
using Herald.Core.Storage;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Look-ups of sent email and SMS whose providers never reported: claimed, recorded, restarted.</summary>
internal sealed class SqliteConfirmationStore(SqliteDatabase db) : IConfirmationStore
{
    // ix_deliveries_unconfirmed holds only sent email and SMS rows (channel 1, 2: the channels whose providers report later) with
    // no reported status whose look-ups have not ended, by provider and
    // send time. The single writer makes the claim exclusive; the hold (confirm_due) keeps a later sweep off it meanwhile.
    public Task<IReadOnlyList<UnconfirmedDelivery>> ClaimUnconfirmedAsync(string provider, DateTimeOffset sentBefore, DateTimeOffset now, DateTimeOffset holdUntil, int limit, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<UnconfirmedDelivery>>((c, tx) => c.Command($"""
            UPDATE deliveries SET confirm_due = $hold, confirm_lookups = confirm_lookups + 1
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE provider = $p AND status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL AND channel IN (1, 2)
                  AND sent_at <= $sent AND (confirm_due IS NULL OR confirm_due <= $now)
                ORDER BY sent_at LIMIT $n)
            RETURNING {DeliveryRow.Columns}, confirm_lookups
            """, tx).With("$p", provider).With("$sent", sentBefore.Ms()).With("$now", now.Ms()).With("$hold", holdUntil.Ms()).With("$n", limit)
            .ReadAll(r => new UnconfirmedDelivery(DeliveryRow.Map(r), r.GetInt32(r.FieldCount - 1))), ct);

    public Task RecordLookUpAsync(Delivery delivery, DateTimeOffset? askAgainAt, TraceEntry trace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(trace);
        return db.WriteAsync((c, tx) =>
        {
            c.Command("""
                UPDATE deliveries SET confirm_due = $due, confirm_ended = CASE WHEN $due IS NULL THEN $now ELSE NULL END
                WHERE id = $id AND status = 'sent'
                """, tx).With("$due", askAgainAt.Ms()).With("$now", trace.At.Ms()).With("$id", delivery.Id).NonQuery();
            // The look-up happened whatever the row became meanwhile (a late callback): its answer stays in the trace.
            Trace(c, tx, trace);
            return true;
        }, ct);
    }

    public Task RestartConfirmationAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return db.WriteAsync((c, tx) => c.Command("""
            UPDATE deliveries SET confirm_lookups = 0, confirm_due = NULL, confirm_ended = NULL WHERE id = $id
            """, tx).With("$id", delivery.Id).NonQuery(), ct);
    }
}
