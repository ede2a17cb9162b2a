using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Tracking;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// What arrives after a send: provider reports, opens, clicks and unsubscribes, and the suppressions they add.
/// </summary>
internal sealed class PostgresTrackingStore(PostgresDatabase db) : ITrackingStore
{
    // Statuses only move forward (sent < delivered < opened < clicked; bounced and failed end it). While the send is still
    // being settled (sending, unknown) the report waits in tracked_status and the completion applies it.
    private const string TrackSql = $"""
        UPDATE deliveries SET
            tracked_status = @s,
            status = CASE WHEN status IN {DeliveryStatus.Sql.SentOrBeyond} THEN @s ELSE status END,
            delivered_at = CASE WHEN @s IN {DeliveryStatus.Sql.Reached} THEN COALESCE(delivered_at, @at) ELSE delivered_at END,
            last_error = CASE WHEN @s IN {DeliveryStatus.Sql.ReportedFailed} THEN @detail::text ELSE last_error END,
            updated_at = @now
        WHERE id = @id AND status NOT IN {DeliveryStatus.Sql.Claimable} AND (CASE COALESCE(tracked_status, CASE WHEN status IN {DeliveryStatus.Sql.Tracked} THEN status ELSE 'sent' END)
              WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'opened' THEN 3 WHEN 'clicked' THEN 4 ELSE 5 END)
            < (CASE @s WHEN 'delivered' THEN 2 WHEN 'opened' THEN 3 WHEN 'clicked' THEN 4 ELSE 5 END)
        """;

    public async Task<Delivery?> FindTrackedDeliveryAsync(string? deliveryId, string? providerMessageId, CancellationToken ct)
    {
        var (where, value) = deliveryId is not null ? ("id = @v", deliveryId) : ("provider_message_id = @v", providerMessageId);
        if (value is null)
        {
            return null;
        }

        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {DeliveryRow.Columns} FROM deliveries WHERE {where} LIMIT 1").With("v", value).ReadAllAsync(DeliveryRow.Map, ct)).FirstOrDefault();
    }

    public Task ApplyTrackingAsync(IReadOnlyList<TrackingUpdate> updates, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            return Task.CompletedTask;
        }

        return db.WriteRetryingAsync(async (c, tx) =>
        {
            var applying = await ClaimReceiptsAsync(c, tx, updates, now, ct);
            // One round trip for the lot. Status updates go in delivery id order (stable, so several reports of one delivery
            // keep theirs): concurrent batches then lock rows in the same order and cannot deadlock on them.
            var late = await ApplyLateAsync(c, tx, applying, now, ct);
            await using var batch = new NpgsqlBatch(c, tx);
            var announced = new List<(NpgsqlBatchCommand Command, Notification Event)>();
            foreach (var u in applying.Where(u => u.DeliveryId is not null && u.Status is not null && !late.Contains(u)).OrderBy(u => u.DeliveryId, StringComparer.Ordinal))
            {
                var command = PgWrites.BatchCommand(TrackSql, ("s", u.Status), ("at", u.At.Ms()), ("detail", u.Trace?.Reason), ("now", now.Ms()), ("id", u.DeliveryId));
                batch.BatchCommands.Add(command);
                if (u.LifecycleEvent is { } lifecycle)
                {
                    announced.Add((command, lifecycle));
                }
            }

            foreach (var u in applying)
            {
                if (u.Suppress is { } s)
                {
                    batch.BatchCommands.Add(SuppressionInsert([s]));
                }

                if (u.Unsuppress is { } un)
                {
                    batch.BatchCommands.Add(PgWrites.BatchCommand("DELETE FROM suppressions WHERE (@env = '*' OR environment_id = @env) AND channel = @c AND address = @a AND reason = @r",
                        ("env", un.EnvironmentId), ("c", (int)un.Channel), ("a", un.Address), ("r", un.Reason)));
                }
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(ct);
            }

            // Only a report that moved the delivery forward is announced, in the same transaction.
            await PgWrites.InsertNotificationsAsync(c, tx, [.. announced.Where(a => a.Command.RecordsAffected > 0).Select(a => a.Event),
                .. late.Where(u => u.LifecycleEvent is not null).Select(u => u.LifecycleEvent!)], now, ct);
            await PgWrites.InsertTraceAsync(c, tx, [.. applying.Where(u => u.Trace is not null).Select(u => u.Trace!)], ct);
            await PgWrites.RefreshNotificationsAsync(c, tx, applying.Where(u => u.NotificationId is not null).Select(u => u.NotificationId!), now, ct);
            return true;
        }, ct);
    }

    /// <summary>
    /// The user's row is locked (made first when there is none, so there is a row to lock) before the preferences are read:
    /// a concurrent preference write waits for this transaction or this one for it, so neither overwrites the other with
    /// what it read before.
    /// </summary>
    public Task<bool> UnsubscribeAsync(Unsubscription unsubscription, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(unsubscription);
        return db.WriteAsync(async (c, tx) =>
        {
            await c.Command("INSERT INTO users(environment_id, user_id, updated_at) VALUES (@env, @id, @t) ON CONFLICT (environment_id, user_id) DO NOTHING", tx)
                .With("env", unsubscription.EnvironmentId).With("id", unsubscription.UserId).With("t", now.Ms()).ExecuteNonQueryAsync(ct);
            var json = await c.Command("SELECT preferences FROM users WHERE environment_id = @env AND user_id = @id FOR UPDATE", tx)
                .With("env", unsubscription.EnvironmentId).With("id", unsubscription.UserId).ExecuteScalarAsync(ct) as string;
            if (unsubscription.Apply(json is null ? [] : StoreJson.Rules(json)) is not { } rules)
            {
                return false;
            }

            await c.Command("UPDATE users SET preferences = @p WHERE environment_id = @env AND user_id = @id", tx)
                .With("p", StoreJson.Rules(rules)).With("env", unsubscription.EnvironmentId).With("id", unsubscription.UserId).ExecuteNonQueryAsync(ct);
            await PgWrites.InsertTraceAsync(c, tx, [unsubscription.Trace], ct);
            return true;
        }, ct);
    }

    public Task<int> PurgeCallbackReceiptsAsync(DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM callback_receipts WHERE expires_at <= @now", tx).With("now", now.Ms()).ExecuteNonQueryAsync(ct), ct);

    /// <summary>
    /// Stores the updates' receipts and returns the updates to apply: those without a receipt and, per key, the first whose
    /// receipt was new (or had expired). A concurrent transaction holding the same key makes this one wait, then skip it.
    /// </summary>
    private static async Task<IReadOnlyList<TrackingUpdate>> ClaimReceiptsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<TrackingUpdate> updates,
        DateTimeOffset now, CancellationToken ct)
    {
        // In key order, as the status updates go in delivery id order: racing batches then take the rows in one order.
        var receipts = updates.Where(u => u.Receipt is not null).Select(u => u.Receipt!).DistinctBy(r => (r.Provider, r.Key))
            .OrderBy(r => r.Provider, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        if (receipts.Count == 0)
        {
            return updates;
        }

        var claimed = (await c.Command("""
            INSERT INTO callback_receipts(provider, key, expires_at)
            SELECT p, k, e FROM unnest(@p::text[], @k::text[], @e::bigint[]) AS x(p, k, e)
            ON CONFLICT (provider, key) DO UPDATE SET expires_at = excluded.expires_at WHERE callback_receipts.expires_at <= @now
            RETURNING provider, key
            """, tx).With("p", receipts.Select(r => r.Provider).ToArray()).With("k", receipts.Select(r => r.Key).ToArray())
            .With("e", receipts.Select(r => r.ExpiresAt.Ms()).ToArray()).With("now", now.Ms())
            .ReadAllAsync(r => (r.GetString(0), r.GetString(1)), ct)).ToHashSet();
        return [.. updates.Where(u => u.Receipt is not { } r || claimed.Remove((r.Provider, r.Key)))];
    }

    /// <summary>
    /// Late failures (see <see cref="TrackingUpdate.Late"/>), each only while its delivery is still sent, with their fallbacks;
    /// the notification rows are locked first, as a completion with a fallback does. Returns the updates applied this way.
    /// </summary>
    private static async Task<HashSet<TrackingUpdate>> ApplyLateAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<TrackingUpdate> updates, DateTimeOffset now, CancellationToken ct)
    {
        var applied = new HashSet<TrackingUpdate>(ReferenceEqualityComparer.Instance);
        var late = updates.Where(u => u.Late is not null && u.DeliveryId is not null && u.NotificationId is not null).OrderBy(u => u.DeliveryId, StringComparer.Ordinal).ToList();
        if (late.Count == 0)
        {
            return applied;
        }

        await PostgresDispatchStore.LockForFallbackAsync(c, tx, late.Select(u => u.NotificationId!), ct);
        foreach (var u in late)
        {
            var moved = await c.Command("""
                UPDATE deliveries SET status = @s, due_at = COALESCE(@due, due_at), last_error = @err, tracked_status = NULL, sent_at = NULL, updated_at = @now
                WHERE notification_id = @n AND id = @id AND status = 'sent'
                """, tx).With("s", u.Late!.Status).With("due", u.Late.DueAt.Ms()).With("err", u.Late.Error).With("now", now.Ms())
                .With("n", u.NotificationId).With("id", u.DeliveryId).ExecuteNonQueryAsync(ct);
            if (moved == 0)
            {
                continue;
            }

            applied.Add(u);
            if (u.Fallback is { } fallback)
            {
                await PostgresDispatchStore.AddFallbackAsync(c, tx, fallback, ct);
            }
        }

        await PgWrites.NotifyDueByIdAsync(c, tx, [.. applied.Where(u => u.Late!.Status == DeliveryStatus.Retrying).Select(u => (u.NotificationId!, u.DeliveryId!))], ct);
        return applied;
    }

    public async Task<IReadOnlyList<Suppression>> ListSuppressionsAsync(string environmentId, Channel? channel, string? address, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command($"""
            SELECT channel, address, reason, source, created_at FROM suppressions
            WHERE environment_id = @env{(channel is null ? "" : " AND channel = @c")}{(address is null ? "" : " AND address = @a")}
            ORDER BY created_at DESC LIMIT @n
            """).With("env", environmentId).With("n", limit);
        if (channel is { } ch)
        {
            command.With("c", (int)ch);
        }

        if (address is not null)
        {
            command.With("a", address);
        }

        return await command.ReadAllAsync(r => new Suppression((Channel)r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.Time(4), environmentId), ct);
    }

    public Task<bool> RemoveSuppressionAsync(string environmentId, Channel channel, string address, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("DELETE FROM suppressions WHERE environment_id = @env AND channel = @c AND address = @a", tx)
            .With("env", environmentId).With("c", (int)channel).With("a", address).ExecuteNonQueryAsync(ct) > 0, ct);

    /// <summary>Adds suppressions in order; an address already suppressed on the channel in its environment keeps its first reason.</summary>
    internal static async Task AddSuppressionsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<Suppression> suppressions, CancellationToken ct)
    {
        if (suppressions.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(c, tx);
        batch.BatchCommands.Add(SuppressionInsert(suppressions));
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand SuppressionInsert(IReadOnlyList<Suppression> suppressions) =>
        PgWrites.BatchCommand("""
            INSERT INTO suppressions(environment_id, channel, address, reason, source, created_at)
            SELECT CASE WHEN x.env = '*' THEN e.id ELSE x.env END, ch, a, r, s, t
            FROM unnest(@env::text[], @c::integer[], @a::text[], @r::text[], @s::text[], @t::bigint[]) WITH ORDINALITY AS x(env, ch, a, r, s, t, ord)
            LEFT JOIN environments e ON x.env = '*'
            WHERE x.env <> '*' OR e.id IS NOT NULL
            ORDER BY ord, e.id
            ON CONFLICT (environment_id, channel, address) DO NOTHING
            """, ("env", suppressions.Select(s => s.EnvironmentId).ToArray()), ("c", suppressions.Select(s => (int)s.Channel).ToArray()), ("a", suppressions.Select(s => s.Address).ToArray()),
            ("r", suppressions.Select(s => s.Reason).ToArray()), ("s", suppressions.Select(s => s.Source).ToArray()),
            ("t", suppressions.Select(s => s.CreatedAt.Ms()).ToArray()));
}
