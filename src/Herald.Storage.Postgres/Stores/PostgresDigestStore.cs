using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Digest rules, and the digests that collect notifications until they close into one; both per environment.</summary>
internal sealed class PostgresDigestStore(PostgresDatabase db) : IDigestStore
{
    public Task UpsertRuleAsync(string environmentId, DigestRule rule, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return db.WriteSignallingAsync(ClusterTopics.DigestRules, async (c, tx) => await c.Command("""
            INSERT INTO digest_rules(environment_id, event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch, updated_at)
            VALUES (@env, @e, @w, @m, @g, @t, @f, @b, @now)
            ON CONFLICT (environment_id, event_type) DO UPDATE SET window_ms = excluded.window_ms, max_items = excluded.max_items, group_by = excluded.group_by,
                template_id = excluded.template_id, fold_rate_limited = excluded.fold_rate_limited, batch = excluded.batch, updated_at = excluded.updated_at
            """, tx).With("env", environmentId).With("e", rule.EventType).With("w", (long)rule.Window.TotalMilliseconds).With("m", rule.MaxItems).With("g", rule.GroupBy).With("t", rule.TemplateId)
            .With("f", rule.FoldRateLimited).With("b", rule.Batch).With("now", now.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<IReadOnlyList<DigestRule>> ListRulesAsync(string environmentId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command("""
            SELECT event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch FROM digest_rules WHERE environment_id = @env ORDER BY event_type
            """).With("env", environmentId)
            .ReadAllAsync(r => new DigestRule(r.GetString(0), TimeSpan.FromMilliseconds(r.GetInt64(1)), r.GetInt32(2), r.StringOrNull(3), r.GetString(4),
                r.GetBoolean(5), r.GetBoolean(6)), ct);
    }

    public Task<bool> DeleteRuleAsync(string environmentId, string eventType, CancellationToken ct) =>
        db.WriteSignallingAsync(ClusterTopics.DigestRules, async (c, tx) => await c.Command("DELETE FROM digest_rules WHERE environment_id = @env AND event_type = @e", tx)
            .With("env", environmentId).With("e", eventType).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<int> CloseDueDigestsAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // SKIP LOCKED: a digest an appender holds is closed on a later round, after that append committed; the closer
            // never waits for an appender, so it is never part of a lock cycle.
            var due = await c.Command("""
                SELECT id FROM digests WHERE status = 'open' AND close_at <= @now ORDER BY close_at LIMIT @n FOR UPDATE SKIP LOCKED
                """, tx).With("now", now.Ms()).With("n", limit).ReadAllAsync(r => r.GetString(0), ct);
            var closed = 0;
            foreach (var id in due)
            {
                closed += await CloseDigestAsync(c, tx, id, now, ct) ? 1 : 0;
            }

            return closed;
        }, ct);

    /// <summary>
    /// Appends items to their open digests, in one global key order so two planning transactions never lock digests crosswise.
    /// The upsert on the partial unique index (one open digest per environment, recipient, event type, kind and key) takes the open row's
    /// lock: an append and a close of the same digest serialize. An append that waited on a close then finds no open row (the
    /// closed version is not in the partial index) and opens the next window; a close that waited on an append reads its item.
    /// </summary>
    internal static async Task AppendDigestsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<DigestAppend> appends, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var a in appends.OrderBy(a => a.EnvironmentId, StringComparer.Ordinal).ThenBy(a => a.RecipientId, StringComparer.Ordinal).ThenBy(a => a.EventType, StringComparer.Ordinal)
            .ThenBy(a => a.Kind, StringComparer.Ordinal).ThenBy(a => a.GroupKey, StringComparer.Ordinal))
        {
            await AppendDigestAsync(c, tx, a, now, ct);
        }
    }

    private static async Task AppendDigestAsync(NpgsqlConnection c, NpgsqlTransaction tx, DigestAppend a, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var row = (await c.Command("""
                INSERT INTO digests(id, environment_id, recipient_id, event_type, kind, group_key, status, opened_at, close_at, item_count, max_items, template_id, channels)
                VALUES (@id, @env, @r, @e, @k, @g, 'open', @now, @close, 1, @max, @t, @ch)
                ON CONFLICT (environment_id, recipient_id, event_type, kind, group_key) WHERE status = 'open'
                DO UPDATE SET item_count = digests.item_count + 1 WHERE digests.item_count < digests.max_items
                RETURNING id, item_count
                """, tx).With("id", Core.Pipeline.Ids.New("dgs", now)).With("env", a.EnvironmentId).With("r", a.RecipientId).With("e", a.EventType).With("k", a.Kind).With("g", a.GroupKey)
                .With("now", now.Ms()).With("close", a.CloseAt.Ms()).With("max", a.MaxItems).With("t", a.TemplateId).With("ch", ChannelListColumn.Format(a.Channels))
                .ReadAllAsync(r => (Id: r.GetString(0), Count: r.GetInt32(1)), ct)).FirstOrDefault();
            if (row.Id is null)
            {
                // The open digest is full (its lock is ours now): close it, then open the next one.
                var full = await c.Command("""
                    SELECT id FROM digests WHERE environment_id = @env AND recipient_id = @r AND event_type = @e AND kind = @k AND group_key = @g AND status = 'open' FOR UPDATE
                    """, tx).With("env", a.EnvironmentId).With("r", a.RecipientId).With("e", a.EventType).With("k", a.Kind).With("g", a.GroupKey).ExecuteScalarAsync(ct) as string;
                if (full is not null)
                {
                    await CloseDigestAsync(c, tx, full, now, ct);
                }

                continue;
            }

            await c.Command("""
                INSERT INTO digest_items(digest_id, notification_id, delivery_id, data, at) VALUES (@d, @n, @dl, @data, @now) ON CONFLICT DO NOTHING
                """, tx).With("d", row.Id).With("n", a.NotificationId).With("dl", a.DeliveryId).With("data", a.Data).With("now", now.Ms()).ExecuteNonQueryAsync(ct);
            if (row.Count >= a.MaxItems)
            {
                await CloseDigestAsync(c, tx, row.Id, now, ct);
            }

            return;
        }

        throw new InvalidOperationException($"could not append to a digest of {a.RecipientId}/{a.EventType}");
    }

    /// <summary>Flips an open digest to closed and inserts its one notification; false when it was not open any more.</summary>
    private static async Task<bool> CloseDigestAsync(NpgsqlConnection c, NpgsqlTransaction tx, string id, DateTimeOffset now, CancellationToken ct)
    {
        var row = (await c.Command("""
            UPDATE digests SET status = 'closed', closed_at = @now WHERE id = @id AND status = 'open'
            RETURNING recipient_id, event_type, kind, group_key, template_id, channels, environment_id
            """, tx).With("id", id).With("now", now.Ms())
            .ReadAllAsync(r => (Recipient: r.GetString(0), EventType: r.GetString(1), Kind: r.GetString(2), Key: r.GetString(3), Template: r.GetString(4), Channels: r.StringOrNull(5),
                Environment: r.GetString(6)), ct))
            .FirstOrDefault();
        if (row.Recipient is null)
        {
            return false;
        }

        var items = await c.Command("SELECT notification_id, data, at FROM digest_items WHERE digest_id = @id ORDER BY at, notification_id, delivery_id", tx).With("id", id)
            .ReadAllAsync(r => (r.GetString(0), r.GetString(1), r.Time(2)), ct);
        var notification = DigestNotifications.Build(new ClosingDigest(id, row.Recipient, row.EventType, row.Kind, row.Key, row.Template, ChannelListColumn.Parse(row.Channels), items,
            row.Environment), now);
        await PgWrites.InsertNotificationsAsync(c, tx, [notification], now, ct);
        await c.Command("UPDATE digests SET notification_id = @n WHERE id = @id", tx).With("n", notification.Id).With("id", id).ExecuteNonQueryAsync(ct);
        await PgWrites.InsertTraceAsync(c, tx,
        [
            new TraceEntry(notification.Id, now, "digest", null, "created", $"digest of {items.Count} {row.EventType} notifications" + (row.Key.Length == 0 ? "" : $" for {row.Key}")),
            .. items.Select(i => new TraceEntry(i.Item1, now, "digest", null, "digested", $"sent in digest notification {notification.Id} with {items.Count} items")),
        ], ct);
        return true;
    }
}
