using Herald.Core.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const string FeedColumns = "seq, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at, read_at, archived_at";

    public async Task<IReadOnlyList<FeedItem>> GetFeedAsync(string userId, bool unreadOnly, int limit, long? beforeSeq, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"""
            SELECT {FeedColumns} FROM feed
            WHERE user_id = $u AND archived_at IS NULL AND ($unread = 0 OR read_at IS NULL) AND ($before IS NULL OR seq < $before)
            ORDER BY seq DESC LIMIT $n
            """).With("$u", userId).With("$unread", unreadOnly ? 1 : 0).With("$before", beforeSeq).With("$n", limit).ReadAllAsync(MapFeed, ct);
    }

    public async Task<IReadOnlyList<FeedItem>> GetFeedSinceAsync(string userId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command($"SELECT {FeedColumns} FROM feed WHERE user_id = $u AND seq > $after ORDER BY seq LIMIT $n")
            .With("$u", userId).With("$after", afterSeq).With("$n", limit).ReadAllAsync(MapFeed, ct);
    }

    public async Task<int> CountUnreadAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM feed WHERE user_id = $u AND read_at IS NULL AND archived_at IS NULL").With("$u", userId).ScalarAsync(ct),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<bool> MarkReadAsync(string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var exists = c.Command("SELECT 1 FROM feed WHERE user_id = $u AND notification_id = $n", tx).With("$u", userId).With("$n", notificationId).Scalar();
            c.Command("UPDATE feed SET read_at = $t WHERE user_id = $u AND notification_id = $n AND read_at IS NULL", tx)
                .With("$u", userId).With("$n", notificationId).With("$t", now.Ms()).NonQuery();
            return exists is not null;
        }, ct);

    public Task<int> MarkAllReadAsync(string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("UPDATE feed SET read_at = $t WHERE user_id = $u AND read_at IS NULL", tx)
            .With("$u", userId).With("$t", now.Ms()).NonQuery(), ct);

    private static FeedItem MapFeed(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.StringOrNull(5), r.StringOrNull(6),
        r.StringOrNull(7), r.StringOrNull(8), r.Time(9), r.TimeOrNull(10), r.TimeOrNull(11));
}
