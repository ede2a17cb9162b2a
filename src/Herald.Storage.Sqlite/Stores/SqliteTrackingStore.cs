using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Tracking;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>What providers and recipients report after a send (callbacks, opens, clicks, unsubscribes), callback receipts and suppressions.</summary>
internal sealed class SqliteTrackingStore(SqliteDatabase db) : ITrackingStore
{
    public async Task<Delivery?> FindTrackedDeliveryAsync(string? deliveryId, string? providerMessageId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var (where, value) = deliveryId is not null ? ("id = $v", deliveryId) : ("provider_message_id = $v", providerMessageId);
        if (value is null)
        {
            return null;
        }

        return (await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE {where} LIMIT 1").With("$v", value).ReadAllAsync(DeliveryRow.Map, ct)).FirstOrDefault();
    }

    /// <summary>A late failure (see <see cref="TrackingUpdate.Late"/>): only while the delivery is still sent; it counts as not sent.</summary>
    private const string LateSql = """
        UPDATE deliveries SET status = $s, due_at = COALESCE($due, due_at), last_error = $err, tracked_status = NULL, sent_at = NULL, updated_at = $now
        WHERE id = $id AND status = 'sent'
        """;

    public Task ApplyTrackingAsync(IReadOnlyList<TrackingUpdate> updates, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var u in updates)
            {
                if (u.Receipt is { } receipt && !Claim(c, tx, receipt, now))
                {
                    continue;
                }

                var late = u.Late is { } l && u.DeliveryId is { } lateId && c.Command(LateSql, tx).With("$s", l.Status).With("$due", l.DueAt.Ms())
                    .With("$err", l.Error).With("$now", now.Ms()).With("$id", lateId).NonQuery() > 0;
                if (late)
                {
                    if (u.LifecycleEvent is { } lifecycle)
                    {
                        using var insert = NotificationInsert(c, tx);
                        BindNotification(insert, lifecycle, now);
                        insert.ExecuteNonQuery();
                    }

                    if (u.Fallback is { } fallback)
                    {
                        AddFallback(c, tx, fallback);
                    }
                }
                else if (u.DeliveryId is { } id && u.Status is { } status)
                {
                    // Statuses only move forward (sent < delivered < opened < clicked; bounced and failed end it). While the send
                    // is still being settled (sending, unknown) the report waits in tracked_status and the completion applies it.
                    var changed = c.Command($"""
                        UPDATE deliveries SET
                            tracked_status = $s,
                            status = CASE WHEN status IN {DeliveryStatus.Sql.SentOrBeyond} THEN $s ELSE status END,
                            delivered_at = CASE WHEN $s IN {DeliveryStatus.Sql.Reached} THEN COALESCE(delivered_at, $at) ELSE delivered_at END,
                            last_error = CASE WHEN $s IN {DeliveryStatus.Sql.ReportedFailed} THEN $detail ELSE last_error END,
                            updated_at = $now
                        WHERE id = $id AND status NOT IN {DeliveryStatus.Sql.Claimable} AND (CASE COALESCE(tracked_status, CASE WHEN status IN {DeliveryStatus.Sql.Tracked} THEN status ELSE 'sent' END)
                              WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'opened' THEN 3 WHEN 'clicked' THEN 4 ELSE 5 END)
                            < (CASE $s WHEN 'delivered' THEN 2 WHEN 'opened' THEN 3 WHEN 'clicked' THEN 4 ELSE 5 END)
                        """, tx).With("$s", status).With("$at", u.At.Ms()).With("$detail", u.Trace?.Reason).With("$now", now.Ms()).With("$id", id).NonQuery();
                    if (changed > 0 && u.LifecycleEvent is { } lifecycle)
                    {
                        // Only a report that moved the delivery forward is announced, in the same transaction.
                        using var insert = NotificationInsert(c, tx);
                        BindNotification(insert, lifecycle, now);
                        insert.ExecuteNonQuery();
                    }
                }

                if (u.Suppress is { } s)
                {
                    AddSuppression(c, tx, s);
                }

                if (u.Unsuppress is { } un)
                {
                    c.Command("DELETE FROM suppressions WHERE ($env = '*' OR environment_id = $env) AND channel = $c AND address = $a AND reason = $r", tx)
                        .With("$env", un.EnvironmentId).With("$c", (int)un.Channel).With("$a", un.Address).With("$r", un.Reason).NonQuery();
                }

                if (u.Trace is { } t)
                {
                    Trace(c, tx, t);
                }

                if (u.NotificationId is { } n)
                {
                    touched.Add(n);
                }
            }

            foreach (var n in touched)
            {
                RefreshNotificationStatus(c, tx, n, now);
            }
        }, ct);

    // The single writer runs the read, the edit and the trace as one transaction: a preference write from the API is
    // serialized before or after it, never between its read and its write.
    public Task<bool> UnsubscribeAsync(Unsubscription unsubscription, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(unsubscription);
        return db.WriteAsync((c, tx) =>
        {
            var json = c.Command("SELECT preferences FROM users WHERE environment_id = $env AND user_id = $id", tx)
                .With("$env", unsubscription.EnvironmentId).With("$id", unsubscription.UserId).Scalar() as string;
            if (unsubscription.Apply(json is null ? [] : StoreJson.Rules(json)) is not { } rules)
            {
                return false;
            }

            // As SavePreferencesAsync: a bare user row when there is none, an existing row's updated_at left alone.
            c.Command("""
                INSERT INTO users(environment_id, user_id, preferences, updated_at) VALUES ($env, $id, $p, $t)
                ON CONFLICT(environment_id, user_id) DO UPDATE SET preferences = $p
                """, tx).With("$env", unsubscription.EnvironmentId).With("$id", unsubscription.UserId).With("$p", StoreJson.Rules(rules)).With("$t", now.Ms()).NonQuery();
            Trace(c, tx, unsubscription.Trace);
            return true;
        }, ct);
    }

    public Task<int> PurgeCallbackReceiptsAsync(DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM callback_receipts WHERE expires_at <= $now", tx).With("$now", now.Ms()).NonQuery(), ct);

    /// <summary>Stores a receipt; false when a live one with its key is held already (the update is a replay). An expired one is renewed.</summary>
    private static bool Claim(SqliteConnection c, SqliteTransaction tx, CallbackReceipt r, DateTimeOffset now) =>
        c.Command("""
            INSERT INTO callback_receipts(provider, key, expires_at) VALUES ($p, $k, $e)
            ON CONFLICT(provider, key) DO UPDATE SET expires_at = excluded.expires_at WHERE callback_receipts.expires_at <= $now
            """, tx).With("$p", r.Provider).With("$k", r.Key).With("$e", r.ExpiresAt.Ms()).With("$now", now.Ms()).NonQuery() > 0;

    public async Task<IReadOnlyList<Suppression>> ListSuppressionsAsync(string environmentId, Channel? channel, string? address, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("""
            SELECT channel, address, reason, source, created_at FROM suppressions
            WHERE environment_id = $env AND ($c IS NULL OR channel = $c) AND ($a IS NULL OR address = $a) ORDER BY created_at DESC LIMIT $n
            """).With("$env", environmentId).With("$c", channel is null ? null : (int)channel).With("$a", address).With("$n", limit)
            .ReadAllAsync(r => new Suppression((Channel)r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.Time(4), environmentId), ct);
    }

    public Task<bool> RemoveSuppressionAsync(string environmentId, Channel channel, string address, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM suppressions WHERE environment_id = $env AND channel = $c AND address = $a", tx)
            .With("$env", environmentId).With("$c", (int)channel).With("$a", address).NonQuery() > 0, ct);
}
