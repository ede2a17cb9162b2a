using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>The in-app feed of each environment's users: reads, and read or archive marks that cancel the escalations waiting for them.</summary>
internal sealed class PostgresFeedStore(PostgresDatabase db) : IFeedStore
{
    public async Task<IReadOnlyList<FeedItem>> GetFeedAsync(string environmentId, string userId, bool unreadOnly, int limit, long? beforeSeq, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command($"""
            SELECT {FeedRow.Columns} FROM feed
            WHERE environment_id = @env AND user_id = @u AND archived_at IS NULL{(unreadOnly ? " AND read_at IS NULL" : "")}{(beforeSeq is null ? "" : " AND seq < @before")}
            ORDER BY seq DESC LIMIT @n
            """).With("env", environmentId).With("u", userId).With("n", limit);
        if (beforeSeq is { } before)
        {
            command.With("before", before);
        }

        return await command.ReadAllAsync(FeedRow.Map, ct);
    }

    public async Task<IReadOnlyList<FeedItem>> GetFeedSinceAsync(string environmentId, string userId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {FeedRow.Columns} FROM feed WHERE environment_id = @env AND user_id = @u AND seq > @after AND archived_at IS NULL ORDER BY seq LIMIT @n")
            .With("env", environmentId).With("u", userId).With("after", afterSeq).With("n", limit).ReadAllAsync(FeedRow.Map, ct);
    }

    public async Task<int> CountUnreadAsync(string environmentId, string userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return Convert.ToInt32(await c.Command("SELECT COUNT(*) FROM feed WHERE environment_id = @env AND user_id = @u AND read_at IS NULL AND archived_at IS NULL").With("env", environmentId).With("u", userId).ExecuteScalarAsync(ct),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when the user has the notification in the feed, read before or not.</summary>
    public Task<bool> MarkReadAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var exists = await c.Command("""
                WITH marked AS (UPDATE feed SET read_at = @t WHERE notification_id = @n AND environment_id = @env AND user_id = @u AND read_at IS NULL RETURNING 1)
                SELECT EXISTS (SELECT 1 FROM feed WHERE notification_id = @n AND environment_id = @env AND user_id = @u)
                """, tx).With("env", environmentId).With("u", userId).With("n", notificationId).With("t", now.Ms()).ExecuteScalarAsync(ct) is true;
            if (exists)
            {
                await CancelEscalationsAsync(c, tx, environmentId, userId, notificationId, now, ct);
                PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, [Signals.FeedKey(environmentId, userId)]);
            }

            return exists;
        }, ct);

    public Task<bool> ArchiveAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var archived = await c.Command("""
                UPDATE feed SET read_at = COALESCE(read_at, @t), archived_at = COALESCE(archived_at, @t) WHERE notification_id = @n AND environment_id = @env AND user_id = @u
                """, tx).With("env", environmentId).With("u", userId).With("n", notificationId).With("t", now.Ms()).ExecuteNonQueryAsync(ct) > 0;
            if (archived)
            {
                await CancelEscalationsAsync(c, tx, environmentId, userId, notificationId, now, ct);
                PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, [Signals.FeedKey(environmentId, userId)]);
            }

            return archived;
        }, ct);

    public Task<int> MarkAllReadAsync(string environmentId, string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var marked = await c.Command("UPDATE feed SET read_at = @t WHERE environment_id = @env AND user_id = @u AND read_at IS NULL", tx).With("env", environmentId).With("u", userId).With("t", now.Ms()).ExecuteNonQueryAsync(ct);
            if (marked > 0)
            {
                await CancelEscalationsAsync(c, tx, environmentId, userId, null, now, ct);
                PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, [Signals.FeedKey(environmentId, userId)]);
            }

            return marked;
        }, ct);

    /// <summary>
    /// Reading the in-app item cancels the escalations still waiting for it, in the same transaction. A claimer holding such
    /// a delivery (FOR UPDATE) finishes first; this update then finds it sending and leaves it: an escalation is either
    /// cancelled here or sent by a claim whose gate saw the item unread.
    /// </summary>
    private static async Task CancelEscalationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string environmentId, string userId, string? notificationId, DateTimeOffset now, CancellationToken ct)
    {
        var read = $"in-app item read at {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z";
        var cancelled = await c.Command($"""
            UPDATE deliveries SET status = 'cancelled', last_error = @r, updated_at = @t
            WHERE recipient_id = @u AND condition = '{DeliveryConditions.InAppUnread}' AND status IN {DeliveryStatus.Sql.Claimable}
              AND (@n::text IS NULL AND notification_id IN (SELECT notification_id FROM feed WHERE environment_id = @env AND user_id = @u) OR notification_id = @n::text)
            RETURNING notification_id, channel
            """, tx).With("env", environmentId).With("u", userId).With("n", notificationId).With("r", read + "; escalation cancelled").With("t", now.Ms())
            .ReadAllAsync(r => (Notification: r.GetString(0), Channel: (Channel)r.GetInt32(1)), ct);
        if (cancelled.Count == 0)
        {
            return;
        }

        await PgWrites.InsertTraceAsync(c, tx, [.. cancelled.Select(x => new TraceEntry(x.Notification, now, "feed", x.Channel.ToWire(), DeliveryStatus.Cancelled,
            $"{read}; escalation to {x.Channel.ToWire()} cancelled"))], ct);
        await PgWrites.RefreshNotificationsAsync(c, tx, cancelled.Select(x => x.Notification), now, ct);
    }

    /// <summary>Feed items of completed in-app deliveries, in order; one a delivery already has is skipped.</summary>
    /// <remarks>
    /// A live stream reads a user's feed on from the highest seq it has seen, so that user's items must commit in seq
    /// order. The identity alone does not ensure it: two transactions take 7 and 8 and commit 8 first, and a reader that
    /// saw 8 never asks for 7. So the users' transaction-scoped advisory locks are taken first and the seqs drawn under
    /// them: the next writer of that user draws only after this one has committed. The locks are taken in ordinal order,
    /// by the completion's last write (after its notification row locks, nothing after them), so writers cannot wait on
    /// each other in a cycle, and they are held only until the commit. Locks and insert travel in one batch (one round trip).
    /// </remarks>
    internal static async Task InsertFeedAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<FeedItem> items, CancellationToken ct)
    {
        // Live streams of these users, on any node, read their feed once this commits.
        PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, items.Select(f => Signals.FeedKey(f.EnvironmentId, f.UserId)));
        await using var batch = new NpgsqlBatch(c, tx);
        foreach (var user in items.Select(f => Signals.FeedKey(f.EnvironmentId, f.UserId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            batch.BatchCommands.Add(PgWrites.BatchCommand("SELECT pg_advisory_xact_lock(hashtextextended('herald.feed:' || @u, 0))", ("u", user)));
        }

        batch.BatchCommands.Add(PgWrites.BatchCommand("""
            INSERT INTO feed(environment_id, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at)
            SELECT env, u, n, d, e, t, b, a, i, ca
            FROM unnest(@env::text[], @u::text[], @n::text[], @d::text[], @e::text[], @t::text[], @b::text[], @a::text[], @i::text[], @ca::bigint[]) WITH ORDINALITY
                AS x(env, u, n, d, e, t, b, a, i, ca, ord)
            ORDER BY ord
            ON CONFLICT (notification_id, delivery_id) DO NOTHING
            """, ("env", items.Select(f => f.EnvironmentId).ToArray()), ("u", items.Select(f => f.UserId).ToArray()), ("n", items.Select(f => f.NotificationId).ToArray()),
            ("d", items.Select(f => f.DeliveryId).ToArray()), ("e", items.Select(f => f.EventType).ToArray()),
            ("t", items.Select(f => f.Title).ToArray()), ("b", items.Select(f => f.Body).ToArray()),
            ("a", items.Select(f => f.ActionUrl).ToArray()), ("i", items.Select(f => f.Icon).ToArray()),
            ("ca", items.Select(f => f.CreatedAt.Ms()).ToArray())));
        await batch.ExecuteNonQueryAsync(ct);
    }
}
