using Herald.Core.Domain;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IFeedStore
{
    private const string FeedColumns = "seq, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at, read_at, archived_at";

    public async Task<IReadOnlyList<FeedItem>> GetFeedAsync(string userId, bool unreadOnly, int limit, long? beforeSeq, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command($"""
            SELECT {FeedColumns} FROM feed
            WHERE user_id = @u AND archived_at IS NULL{(unreadOnly ? " AND read_at IS NULL" : "")}{(beforeSeq is null ? "" : " AND seq < @before")}
            ORDER BY seq DESC LIMIT @n
            """).With("u", userId).With("n", limit);
        if (beforeSeq is { } before)
        {
            command.With("before", before);
        }

        return await command.ReadAllAsync(MapFeed, ct);
    }

    public async Task<IReadOnlyList<FeedItem>> GetFeedSinceAsync(string userId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {FeedColumns} FROM feed WHERE user_id = @u AND seq > @after ORDER BY seq LIMIT @n")
            .With("u", userId).With("after", afterSeq).With("n", limit).ReadAllAsync(MapFeed, ct);
    }

    public async Task<int> CountUnreadAsync(string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM feed WHERE user_id = @u AND read_at IS NULL AND archived_at IS NULL").With("u", userId).ExecuteScalarAsync(ct),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when the user has the notification in the feed, read before or not.</summary>
    public Task<bool> MarkReadAsync(string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("""
            WITH marked AS (UPDATE feed SET read_at = @t WHERE notification_id = @n AND user_id = @u AND read_at IS NULL RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM feed WHERE notification_id = @n AND user_id = @u)
            """, tx).With("u", userId).With("n", notificationId).With("t", now.Ms()).ExecuteScalarAsync(ct) is true, ct);

    public Task<int> MarkAllReadAsync(string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("UPDATE feed SET read_at = @t WHERE user_id = @u AND read_at IS NULL", tx)
            .With("u", userId).With("t", now.Ms()).ExecuteNonQueryAsync(ct), ct);

    /// <summary>Feed items of completed in-app deliveries, in order; one a delivery already has is skipped.</summary>
    private static async Task InsertFeedAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<FeedItem> items, CancellationToken ct) =>
        await c.Command("""
            INSERT INTO feed(user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at)
            SELECT u, n, d, e, t, b, a, i, ca
            FROM unnest(@u::text[], @n::text[], @d::text[], @e::text[], @t::text[], @b::text[], @a::text[], @i::text[], @ca::bigint[]) WITH ORDINALITY
                AS x(u, n, d, e, t, b, a, i, ca, ord)
            ORDER BY ord
            ON CONFLICT (notification_id, delivery_id) DO NOTHING
            """, tx).With("u", items.Select(f => f.UserId).ToArray()).With("n", items.Select(f => f.NotificationId).ToArray())
            .With("d", items.Select(f => f.DeliveryId).ToArray()).With("e", items.Select(f => f.EventType).ToArray())
            .With("t", items.Select(f => f.Title).ToArray()).With("b", items.Select(f => f.Body).ToArray())
            .With("a", items.Select(f => f.ActionUrl).ToArray()).With("i", items.Select(f => f.Icon).ToArray())
            .With("ca", items.Select(f => f.CreatedAt.Ms()).ToArray()).ExecuteNonQueryAsync(ct);

    private static FeedItem MapFeed(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.StringOrNull(5), r.StringOrNull(6),
        r.StringOrNull(7), r.StringOrNull(8), r.Time(9), r.TimeOrNull(10), r.TimeOrNull(11));
}
