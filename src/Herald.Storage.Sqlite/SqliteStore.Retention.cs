using System.Globalization;
using System.Text.Json;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Retention on the embedded file: batched deletes of what is past its retention, each batch its own short write
/// transaction (ingest and the lanes get the writer between batches), then an incremental vacuum in small steps that
/// gives the freed pages back to the file system, so the file stays bounded.
/// </summary>
public sealed partial class SqliteStore : IRetentionStore
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
}
