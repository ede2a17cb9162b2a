using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>The in-app feed of each environment's users: reads, unread counts, read and archive marks (which cancel the escalations waiting on them).</summary>
internal sealed class SqliteFeedStore(SqliteDatabase db) : IFeedStore
{
    public async Task<IReadOnlyList<FeedItem>> GetFeedAsync(string environmentId, string userId, bool unreadOnly, int limit, long? beforeSeq, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"""
            SELECT {FeedRow.Columns} FROM feed
            WHERE environment_id = $env AND user_id = $u AND archived_at IS NULL AND ($unread = 0 OR read_at IS NULL) AND ($before IS NULL OR seq < $before)
            ORDER BY seq DESC LIMIT $n
            """).With("$env", environmentId).With("$u", userId).With("$unread", unreadOnly ? 1 : 0).With("$before", beforeSeq).With("$n", limit).ReadAllAsync(FeedRow.Map, ct);
    }

    public async Task<IReadOnlyList<FeedItem>> GetFeedSinceAsync(string environmentId, string userId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {FeedRow.Columns} FROM feed WHERE environment_id = $env AND user_id = $u AND seq > $after AND archived_at IS NULL ORDER BY seq LIMIT $n")
            .With("$env", environmentId).With("$u", userId).With("$after", afterSeq).With("$n", limit).ReadAllAsync(FeedRow.Map, ct);
    }

    public async Task<int> CountUnreadAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM feed WHERE environment_id = $env AND user_id = $u AND read_at IS NULL AND archived_at IS NULL").With("$env", environmentId).With("$u", userId).ScalarAsync(ct),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<bool> MarkReadAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var exists = c.Command("SELECT 1 FROM feed WHERE environment_id = $env AND user_id = $u AND notification_id = $n", tx).With("$env", environmentId).With("$u", userId).With("$n", notificationId).Scalar();
            c.Command("UPDATE feed SET read_at = $t WHERE environment_id = $env AND user_id = $u AND notification_id = $n AND read_at IS NULL", tx)
                .With("$env", environmentId).With("$u", userId).With("$n", notificationId).With("$t", now.Ms()).NonQuery();
            if (exists is not null)
            {
                CancelEscalations(c, tx, environmentId, userId, notificationId, now);
            }

            return exists is not null;
        }, ct);

    public Task<bool> ArchiveAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            // The row is updated whenever it exists (COALESCE keeps the first times), so the count says whether it does.
            var archived = c.Command("UPDATE feed SET read_at = COALESCE(read_at, $t), archived_at = COALESCE(archived_at, $t) WHERE environment_id = $env AND user_id = $u AND notification_id = $n", tx)
                .With("$env", environmentId).With("$u", userId).With("$n", notificationId).With("$t", now.Ms()).NonQuery() > 0;
            if (archived)
            {
                CancelEscalations(c, tx, environmentId, userId, notificationId, now);
            }

            return archived;
        }, ct);

    public Task<int> MarkAllReadAsync(string environmentId, string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var marked = c.Command("UPDATE feed SET read_at = $t WHERE environment_id = $env AND user_id = $u AND read_at IS NULL", tx).With("$env", environmentId).With("$u", userId).With("$t", now.Ms()).NonQuery();
            if (marked > 0)
            {
                CancelEscalations(c, tx, environmentId, userId, null, now);
            }

            return marked;
        }, ct);

    /// <summary>
    /// Reading the in-app item cancels the escalations still waiting for it (one notification, or every notification of the
    /// user with a feed item), in the same transaction, so the status shows it at once; the gate checks again at claim.
    /// </summary>
    private static void CancelEscalations(SqliteConnection c, SqliteTransaction tx, string environmentId, string userId, string? notificationId, DateTimeOffset now)
    {
        var pending = c.Command($"""
            SELECT id, notification_id, channel FROM deliveries
            WHERE recipient_id = $u AND condition = '{DeliveryConditions.InAppUnread}' AND status IN {DeliveryStatus.Sql.Claimable}
              AND ($n IS NULL AND notification_id IN (SELECT notification_id FROM feed WHERE environment_id = $env AND user_id = $u) OR notification_id = $n)
            """, tx).With("$env", environmentId).With("$u", userId).With("$n", notificationId).ReadAll(r => (Id: r.GetString(0), Notification: r.GetString(1), Channel: (Channel)r.GetInt32(2)));
        foreach (var (id, notification, channel) in pending)
        {
            var reason = $"in-app item read at {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z; escalation to {channel.ToWire()} cancelled";
            c.Command("UPDATE deliveries SET status = 'cancelled', last_error = $r, updated_at = $t WHERE id = $id", tx)
                .With("$r", reason).With("$t", now.Ms()).With("$id", id).NonQuery();
            Trace(c, tx, new TraceEntry(notification, now, "feed", channel.ToWire(), DeliveryStatus.Cancelled, reason));
            RefreshNotificationStatus(c, tx, notification, now);
        }
    }
}
