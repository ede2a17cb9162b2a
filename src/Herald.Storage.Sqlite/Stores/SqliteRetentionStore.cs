using System.Globalization;
using System.Text.Json;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Retention on the embedded file: batched deletes of what is past its retention, each batch its own short write
/// transaction (ingest and the lanes get the writer between batches), then an incremental vacuum in small steps that
/// gives the freed pages back to the file system, so the file stays bounded; and the erasure of one user, one transaction.
/// </summary>
internal sealed class SqliteRetentionStore(SqliteDatabase db) : IRetentionStore, IErasureStore
{
    // Pages given back per vacuum step: 512 pages of 4 KiB is 2 MiB, a few milliseconds of the writer.
    private const int VacuumStep = 512;

    private const string TerminalNotifications = NotificationStatus.Sql.Terminal;
    private const string TerminalDeliveries = DeliveryStatus.Sql.Terminal;

    // Notifications are walked by id (UUIDv7: creation order) up to the cutoff's bound, so a run reads only old rows.
    // One kept pending notification is passed over, never stops the walk.
    private static readonly string ExpiredNotifications = $"""
        SELECT n.id FROM notifications n
        WHERE n.id < $bound AND n.updated_at < $cutoff AND n.status IN {TerminalNotifications}
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND (d.status NOT IN {TerminalDeliveries} OR d.updated_at >= $cutoff))
        ORDER BY n.id LIMIT $batch
        """;

    public async Task<RetentionSummary> PurgeExpiredAsync(RetentionCutoffs cutoffs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        var summary = RetentionSummary.None;
        while (true)
        {
            var batch = await db.WriteAsync((c, tx) => DeleteNotificationBatch(c, tx, cutoffs), ct);
            summary = summary.Add(batch.Removed);
            if (batch.Taken < cutoffs.BatchSize)
            {
                break;
            }
        }

        var feed = await DeleteInWindowsAsync("feed", "seq", "created_at < $cutoff", cutoffs.FeedBefore, cutoffs.BatchSize, ct);
        // A capture outbox message is how the reconciler learns that a send in doubt arrived: kept while its delivery is pending.
        var outbox = await DeleteInWindowsAsync("outbox", "id",
            $"created_at < $cutoff AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = outbox.delivery_id AND d.status NOT IN {TerminalDeliveries})",
            cutoffs.NotificationsBefore, cutoffs.BatchSize, ct);
        var pages = await VacuumAsync(ct);
        return summary.Add(RetentionSummary.None with { FeedItems = feed, OutboxMessages = outbox, PagesFreed = pages });
    }

    private static (int Taken, RetentionSummary Removed) DeleteNotificationBatch(SqliteConnection c, SqliteTransaction tx, RetentionCutoffs cutoffs)
    {
        var ids = c.Command(ExpiredNotifications, tx)
            .With("$bound", RetentionStatuses.IdBound("ntf", cutoffs.NotificationsBefore))
            .With("$cutoff", cutoffs.NotificationsBefore.Ms())
            .With("$batch", cutoffs.BatchSize)
            .ReadAll(r => r.GetString(0));
        if (ids.Count == 0)
        {
            return (0, RetentionSummary.None);
        }

        var json = JsonSerializer.Serialize(ids);
        const string Batch = "(SELECT value FROM json_each($ids))";
        const string BatchDeliveries = $"(SELECT id FROM deliveries WHERE notification_id IN {Batch})";
        var outbox = c.Command($"DELETE FROM outbox WHERE delivery_id IN {BatchDeliveries}", tx).With("$ids", json).NonQuery();
        c.Command($"DELETE FROM attempts WHERE delivery_id IN {BatchDeliveries}", tx).With("$ids", json).NonQuery();
        var deliveries = c.Command($"DELETE FROM deliveries WHERE notification_id IN {Batch}", tx).With("$ids", json).NonQuery();
        c.Command($"DELETE FROM trace WHERE notification_id IN {Batch}", tx).With("$ids", json).NonQuery();
        var notifications = c.Command($"DELETE FROM notifications WHERE id IN {Batch}", tx).With("$ids", json).NonQuery();
        return (ids.Count, RetentionSummary.None with { Notifications = notifications, Deliveries = deliveries, OutboxMessages = outbox });
    }

    /// <summary>
    /// Deletes the rows matching <paramref name="expired"/> a window of <paramref name="batch"/> rows at a time, in key
    /// order (time order), and stops at the first window that reaches rows newer than the cutoff.
    /// </summary>
    private async Task<long> DeleteInWindowsAsync(string table, string key, string expired, DateTimeOffset cutoff, int batch, CancellationToken ct)
    {
        long removed = 0;
        long after = long.MinValue;
        while (true)
        {
            var (deleted, last, more) = await db.WriteAsync((c, tx) =>
            {
                var window = c.Command($"SELECT {key}, created_at FROM {table} WHERE {key} > $after ORDER BY {key} LIMIT $batch", tx)
                    .With("$after", after).With("$batch", batch).ReadAll(r => (Key: r.GetInt64(0), At: r.GetInt64(1)));
                if (window.Count == 0)
                {
                    return (0, after, false);
                }

                var deleted = c.Command($"DELETE FROM {table} WHERE {key} > $after AND {key} <= $last AND {expired}", tx)
                    .With("$after", after).With("$last", window[^1].Key).With("$cutoff", cutoff.Ms()).NonQuery();
                return (deleted, window[^1].Key, window.Count == batch && window[^1].At < cutoff.Ms());
            }, ct);
            removed += deleted;
            after = last;
            if (!more)
            {
                return removed;
            }
        }
    }

    /// <summary>
    /// Gives free pages back in small steps. Only files created with auto_vacuum=INCREMENTAL (every file this version
    /// creates) can; an older file reuses its free pages for new rows instead, so it stops growing but does not shrink.
    /// </summary>
    private async Task<long> VacuumAsync(CancellationToken ct)
    {
        long freed = 0;
        while (true)
        {
            var step = await db.WriteAsync((c, tx) =>
            {
                if (Count(c, tx, "PRAGMA auto_vacuum") != 2)
                {
                    return 0;
                }

                var before = Count(c, tx, "PRAGMA page_count");
                c.Command($"PRAGMA incremental_vacuum({VacuumStep})", tx).NonQuery();
                return before - Count(c, tx, "PRAGMA page_count");
            }, ct);
            freed += step;
            if (step < VacuumStep)
            {
                return freed;
            }
        }
    }

    private static long Count(SqliteConnection c, SqliteTransaction tx, string sql) =>
        Convert.ToInt64(c.Command(sql, tx).Scalar(), CultureInfo.InvariantCulture);

    // Statuses of deliveries that have not reached (or may still reach) the recipient: cancelled by the erasure, so
    // nothing more is sent, resent after reconciliation or replayed from the DLQ. A send already at a provider is
    // cancelled too: its completion then no longer applies (status is no longer sending), so no feed row is written.
    public Task<ErasureSummary> EraseUserAsync(string environmentId, string userId, string pseudonym, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var t = now.Ms();
            var cancelledNotifications = c.Command($"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = $t
                WHERE environment_id = $env AND recipient_id = $u AND status IN {NotificationStatus.Sql.Unplanned}
                """, tx).With("$env", environmentId).With("$u", userId).With("$t", t).NonQuery();
            var cancelled = c.Command($"""
                UPDATE deliveries SET status = 'cancelled', lease_until = NULL, lease_owner = NULL, updated_at = $t
                WHERE environment_id = $env AND recipient_id = $u AND status IN {DeliveryStatus.Sql.Unsent}
                """, tx).With("$env", environmentId).With("$u", userId).With("$t", t).NonQuery();
            c.Command("UPDATE notifications SET status = 'cancelled', updated_at = $t WHERE environment_id = $env AND recipient_id = $u AND status = 'processing'", tx)
                .With("$env", environmentId).With("$u", userId).With("$t", t).NonQuery();

            c.Command("UPDATE trace SET reason = '[erased]' WHERE notification_id IN (SELECT id FROM notifications WHERE environment_id = $env AND recipient_id = $u)", tx)
                .With("$env", environmentId).With("$u", userId).NonQuery();
            c.Command("UPDATE attempts SET detail = NULL, provider_message_id = NULL WHERE delivery_id IN (SELECT id FROM deliveries WHERE environment_id = $env AND recipient_id = $u)", tx)
                .With("$env", environmentId).With("$u", userId).NonQuery();
            // The target stays unique per notification and channel (several devices), so it becomes '[erased]:<delivery id>'.
            var deliveries = c.Command("""
                UPDATE deliveries SET recipient_id = $p, target = '[erased]:' || id, target_ref = NULL, content = '{}', content_hash = '',
                    last_error = NULL, provider_message_id = NULL, trace_parent = NULL, updated_at = $t
                WHERE environment_id = $env AND recipient_id = $u
                """, tx).With("$env", environmentId).With("$u", userId).With("$p", pseudonym).With("$t", t).NonQuery();
            var notifications = c.Command("""
                UPDATE notifications SET recipient_id = $p, data = '{}', idempotency_key = NULL, trace_parent = NULL, updated_at = $t
                WHERE environment_id = $env AND recipient_id = $u
                """, tx).With("$env", environmentId).With("$u", userId).With("$p", pseudonym).With("$t", t).NonQuery();

            // Lifecycle events name the recipient in their payload (notification data and the webhook deliveries' content).
            var events = c.Command("""
                UPDATE notifications SET data = json_set(data, '$.data.recipient_id', $p)
                WHERE environment_id = $env AND recipient_id = $ops AND json_extract(data, '$.data.recipient_id') = $u
                """, tx).With("$env", environmentId).With("$u", userId).With("$p", pseudonym).With("$ops", LifecycleEvents.Recipient).NonQuery();
            c.Command("""
                UPDATE deliveries SET content = json_set(content, '$.data.recipient_id', $p)
                WHERE environment_id = $env AND recipient_id = $ops AND json_extract(content, '$.data.recipient_id') = $u
                """, tx).With("$env", environmentId).With("$u", userId).With("$p", pseudonym).With("$ops", LifecycleEvents.Recipient).NonQuery();

            // Every row is looked for in the erased user's environment only: the same id in another environment is another user.
            var feed = c.Command("DELETE FROM feed WHERE environment_id = $env AND user_id = $u", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            var devices = c.Command("DELETE FROM devices WHERE environment_id = $env AND user_id = $u", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            var outbox = c.Command("DELETE FROM outbox WHERE recipient_id = $u AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = outbox.delivery_id AND d.environment_id <> $env)", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            var endpoints = c.Command("DELETE FROM webhook_endpoints WHERE environment_id = $env AND recipient_id = $u", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            var subscriptions = c.Command("DELETE FROM topic_subscribers WHERE environment_id = $env AND user_id = $u", tx).With("$env", environmentId).With("$u", userId).NonQuery()
                + c.Command("DELETE FROM campaign_recipients WHERE user_id = $u AND campaign_id IN (SELECT id FROM campaigns WHERE environment_id = $env)", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            var items = c.Command("UPDATE digest_items SET data = '{}' WHERE digest_id IN (SELECT id FROM digests WHERE environment_id = $env AND recipient_id = $u)", tx).With("$env", environmentId).With("$u", userId).NonQuery();
            c.Command("UPDATE digests SET recipient_id = $p, group_key = '', status = CASE WHEN status = 'open' THEN 'erased' ELSE status END WHERE environment_id = $env AND recipient_id = $u", tx)
                .With("$env", environmentId).With("$u", userId).With("$p", pseudonym).NonQuery();
            var profile = c.Command("DELETE FROM users WHERE environment_id = $env AND user_id = $u", tx).With("$env", environmentId).With("$u", userId).NonQuery() > 0;
            return new ErasureSummary(profile, devices, feed, notifications, deliveries, cancelled + cancelledNotifications, outbox, endpoints, events, subscriptions, items);
        }, ct);
}
