using Herald.Core.Domain;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The in-process lanes' claims and every settlement of a claimed delivery, with what it brings along (fallbacks,
/// feed items, suppressions, endpoint results).
/// </summary>
internal sealed class PostgresDispatchStore(PostgresDatabase db, TimeSpan endpointDisableAfter) : IDispatchStore
{
    public Task<IReadOnlyList<Delivery>> ClaimDueAsync(Channel channel, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, IDispatchGate gate,
        IReadOnlySet<string>? held, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return db.WriteRetryingAsync<IReadOnlyList<Delivery>>(async (c, tx) =>
        {
            // Held recipients (a send of theirs still in flight on this lane) are skipped in the scan, so the limit is filled with others.
            var hold = held is { Count: > 0 };
            var select = PgWrites.BatchCommand($"""
                SELECT {DeliveryRow.Columns} FROM deliveries
                WHERE channel = @c AND priority = @p AND status IN {DeliveryStatus.Sql.Claimable} AND due_at <= @now
                  {(hold ? "AND NOT (recipient_id = ANY(@held))" : "")}
                ORDER BY due_at, notification_id, id LIMIT @n FOR UPDATE SKIP LOCKED
                """, ("c", (int)channel), ("p", (int)priority), ("now", now.Ms()), ("n", limit));
            await using var batch = new NpgsqlBatch(c, tx);
            if (hold)
            {
                // On a generic plan: a custom one estimates the held list element by element against the column's
                // statistics, and with a lane's few hundred held recipients that planning took ~20 ms a claim, more than
                // the claim itself (pg_stat_statements, PostgreSQL alone, 2026-12-07).
                select.Parameters.AddWithValue("held", held!.ToArray());
                PgWrites.AddOnGenericPlan(batch, select);
            }
            else
            {
                batch.BatchCommands.Add(select);
            }

            var candidates = await batch.ReadAllAsync(DeliveryRow.Map, ct);
            return candidates.Count == 0 ? candidates : await PgClaims.GateAndClaimAsync(c, tx, candidates, now, leaseUntil, owner, gate, ct);
        }, ct);
    }

    public Task<BatchResults> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(completions);
        return BatchIsolation.WriteWithSubstitutesAsync(completions, part => CompleteBatchAsync(part, now, ct), (x, reason) => x.Unstorable(reason, now));
    }

    private Task<IReadOnlyList<bool>> CompleteBatchAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct)
    {
        return db.WriteRetryingAsync<IReadOnlyList<bool>>(async (c, tx) =>
        {
            var results = new bool[completions.Count];
            if (completions.Count == 0)
            {
                return results;
            }

            if (completions.Any(x => x.Fallback is not null))
            {
                // Every notification of the batch, so the refresh at the end takes no lock out of this order.
                await LockForFallbackAsync(c, tx, completions.Select(x => x.NotificationId), ct);
            }

            // One statement per round; a delivery completed twice in one batch goes in a later round, so the second
            // completion sees the first, as one-at-a-time application would.
            var pending = Enumerable.Range(0, completions.Count).ToList();
            while (pending.Count > 0)
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                var round = new List<int>();
                var later = new List<int>();
                foreach (var i in pending)
                {
                    (ids.Add(completions[i].DeliveryId) ? round : later).Add(i);
                }

                var applied = await UpdateCompletedAsync(c, tx, [.. round.Select(i => completions[i])], now, ct);
                foreach (var i in round)
                {
                    results[i] = applied.Contains(completions[i].DeliveryId);
                }

                pending = later;
            }

            var done = completions.Where((_, i) => results[i]).ToList();
            if (done.Count > 0)
            {
                foreach (var x in done.Where(x => x.Fallback is not null))
                {
                    await AddFallbackAsync(c, tx, x.Fallback!, ct);
                }

                await RecordCompletionsAsync(c, tx, done, now, ct);
                // Lifecycle events commit with the state changes they report, or not at all.
                await PgWrites.InsertNotificationsAsync(c, tx, [.. done.Where(x => x.LifecycleEvent is not null).Select(x => x.LifecycleEvent!)], now, ct);

                // Last, right before the commit: the feed insert holds its users' locks until then (see PostgresFeedStore.InsertFeedAsync).
                var feed = done.Where(x => x.FeedItem is not null).Select(x => x.FeedItem!).ToList();
                if (feed.Count > 0)
                {
                    await PostgresFeedStore.InsertFeedAsync(c, tx, feed, ct);
                }
            }

            return results;
        }, ct);
    }

    private static async Task<HashSet<string>> UpdateCompletedAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<DeliveryCompletion> round, DateTimeOffset now, CancellationToken ct)
    {
        // A sent outcome whose failure report arrived while it was being settled: its late-failure retry applies instead.
        const string reportedFailed = "(x.s = 'sent' AND COALESCE(tracked_status, '') = 'failed' AND x.ls IS NOT NULL)";
        // Left to PostgreSQL's choice of plan, not forced generic (PgWrites.RunOnGenericPlans says why).
        var ids = await c.Command($"""
            UPDATE deliveries SET
                status = CASE WHEN {reportedFailed} THEN x.ls WHEN x.s = 'sent' AND tracked_status IS NOT NULL THEN tracked_status ELSE x.s END,
                due_at = CASE WHEN {reportedFailed} THEN COALESCE(x.ldue, due_at) ELSE COALESCE(x.due, due_at) END,
                provider = COALESCE(x.prov, provider),
                last_error = CASE WHEN {reportedFailed} THEN x.lerr ELSE x.err END,
                provider_message_id = COALESCE(x.pmid, provider_message_id),
                sent_at = CASE WHEN {reportedFailed} THEN NULL WHEN x.s = 'sent' THEN @now ELSE sent_at END,
                tracked_status = CASE WHEN {reportedFailed} THEN NULL ELSE tracked_status END,
                attempts = CASE WHEN x.o = 'throttled' OR x.s = 'held' THEN attempts - 1 ELSE attempts END,
                throttled = x.o = 'throttled',
                lease_until = CASE WHEN x.s = 'unknown' THEN x.due ELSE NULL END, lease_owner = NULL, updated_at = @now
            FROM unnest(@n::text[], @id::text[], @owner::text[], @s::text[], @due::bigint[], @prov::text[], @err::text[], @pmid::text[], @o::text[],
                @ls::text[], @ldue::bigint[], @lerr::text[])
                AS x(nid, did, owner, s, due, prov, err, pmid, o, ls, ldue, lerr)
            WHERE notification_id = x.nid AND id = x.did AND notification_id = ANY(@n) AND status IN {DeliveryStatus.Sql.InFlight} AND lease_owner = x.owner
            RETURNING id
            """, tx).With("n", round.Select(x => x.NotificationId).ToArray()).With("id", round.Select(x => x.DeliveryId).ToArray())
            .With("owner", round.Select(x => x.LeaseOwner).ToArray()).With("s", round.Select(x => x.Status).ToArray())
            .With("due", round.Select(x => x.DueAt.Ms()).ToArray()).With("prov", round.Select(x => x.Provider).ToArray())
            .With("err", round.Select(x => x.LastError).ToArray()).With("pmid", round.Select(x => x.ProviderMessageId).ToArray())
            .With("o", round.Select(x => x.Outcome).ToArray()).With("ls", round.Select(x => x.IfReportedFailed?.Status).ToArray())
            .With("ldue", round.Select(x => x.IfReportedFailed?.DueAt.Ms()).ToArray()).With("lerr", round.Select(x => x.IfReportedFailed?.Error).ToArray())
            .With("now", now.Ms()).ReadAllAsync(r => r.GetString(0), ct);
        return new HashSet<string>(ids, StringComparer.Ordinal);
    }

    /// <summary>Everything an applied completion brings along but its lifecycle event and feed item, in completion order, one statement per kind.</summary>
    private async Task RecordCompletionsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<DeliveryCompletion> done, DateTimeOffset now, CancellationToken ct)
    {
        await c.Command("""
            INSERT INTO attempts(delivery_id, provider, outcome, detail, provider_message_id, started_at, finished_at)
            SELECT did, prov, o, err, pmid, st, ft
            FROM unnest(@id::text[], @prov::text[], @o::text[], @err::text[], @pmid::text[], @st::bigint[], @ft::bigint[]) WITH ORDINALITY
                AS x(did, prov, o, err, pmid, st, ft, ord)
            ORDER BY ord
            """, tx).With("id", done.Select(x => x.DeliveryId).ToArray()).With("prov", done.Select(x => x.Provider).ToArray())
            .With("o", done.Select(x => x.Outcome).ToArray()).With("err", done.Select(x => x.LastError).ToArray())
            .With("pmid", done.Select(x => x.ProviderMessageId).ToArray()).With("st", done.Select(x => x.StartedAt.Ms()).ToArray())
            .With("ft", done.Select(x => x.FinishedAt.Ms()).ToArray()).ExecuteNonQueryAsync(ct);
        await PgWrites.InsertTraceAsync(c, tx, [.. done.SelectMany(x => x.Trace)], ct);

        var devices = done.Where(x => x.RemoveDeviceId is not null).Select(x => x.RemoveDeviceId!).ToArray();
        if (devices.Length > 0)
        {
            await c.Command("DELETE FROM devices WHERE id = ANY(@ids)", tx).With("ids", devices).ExecuteNonQueryAsync(ct);
        }

        await PostgresTrackingStore.AddSuppressionsAsync(c, tx, [.. done.Where(x => x.Suppress is not null).Select(x => x.Suppress!)], ct);
        await PostgresEndpointStore.ApplyEndpointResultsAsync(c, tx, [.. done.Where(x => x.EndpointResult is not null).Select(x => x.EndpointResult!)], now,
            endpointDisableAfter, ct);

        // Once per notification, not per delivery: a batch often holds several channels of one notification.
        await PgWrites.RefreshNotificationsAsync(c, tx, done.Select(x => x.NotificationId), now, ct);
        await PgWrites.NotifyDueByIdAsync(c, tx, [.. done.Where(x => x.Status is DeliveryStatus.Retrying or DeliveryStatus.Deferred).Select(x => (x.NotificationId, x.DeliveryId))], ct);
    }

    public Task<IReadOnlyList<Delivery>> ClaimExpiredSendingAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, CancellationToken ct) =>
        db.WriteRetryingAsync<IReadOnlyList<Delivery>>(async (c, tx) => await c.Command($"""
            WITH expired AS (
                SELECT notification_id AS xn, id AS xi FROM deliveries
                WHERE status IN {DeliveryStatus.Sql.InFlight} AND lease_until < @now ORDER BY lease_until LIMIT @n FOR UPDATE SKIP LOCKED)
            UPDATE deliveries SET status = 'unknown', lease_until = @lease, lease_owner = @owner, updated_at = @now, lookups = lookups + 1
            FROM expired WHERE notification_id = expired.xn AND id = expired.xi
            RETURNING {DeliveryRow.Columns}
            """, tx).With("lease", leaseUntil.Ms()).With("owner", owner).With("now", now.Ms()).With("n", limit).ReadAllAsync(DeliveryRow.Map, ct), ct);

    public Task PostponeLookUpAsync(Delivery delivery, string owner, DateTimeOffset until, TraceEntry trace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(trace);
        return db.WriteRetryingAsync(async (c, tx) =>
        {
            if (await c.Command("""
                UPDATE deliveries SET lease_until = @until, updated_at = @now
                WHERE notification_id = @n AND id = @id AND lease_owner = @owner AND status = 'unknown'
                """, tx).With("until", until.Ms()).With("now", trace.At.Ms()).With("n", delivery.NotificationId).With("id", delivery.Id)
                .With("owner", owner).ExecuteNonQueryAsync(ct) == 1)
            {
                await PgWrites.InsertTraceAsync(c, tx, [trace], ct);
            }

            return true;
        }, ct);
    }

    public Task<bool> ReplayDeadAsync(string deliveryId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var notificationId = await c.Command("""
                UPDATE deliveries SET status = 'queued', due_at = @now, last_error = NULL, updated_at = @now
                WHERE id = @id AND status = 'dead' AND sent_at IS NULL RETURNING notification_id
                """, tx).With("id", deliveryId).With("now", now.Ms()).ExecuteScalarAsync(ct) as string;
            if (notificationId is null)
            {
                return false;
            }

            await PgWrites.RefreshNotificationsAsync(c, tx, [notificationId], now, ct);
            await PgWrites.InsertTraceAsync(c, tx, [new TraceEntry(notificationId, now, "dlq", null, "replayed", $"delivery {deliveryId} replayed from the dead-letter queue")], ct);
            await PgWrites.NotifyDueByIdAsync(c, tx, [(notificationId, deliveryId)], ct);
            return true;
        }, ct);

    public async Task<DateTimeOffset?> NextDueAsync(Channel channel, Priority priority, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var value = await c.Command($"SELECT MIN(due_at) FROM deliveries WHERE channel = @c AND priority = @p AND status IN {DeliveryStatus.Sql.Claimable}")
            .With("c", (int)channel).With("p", (int)priority).ExecuteScalarAsync(ct);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>
    /// Locks the notification rows a settlement may add a fallback to, in id order, before any of its delivery updates: two
    /// transactions settling two devices of one notification then run one after the other, so the second sees the first's
    /// status (under READ COMMITTED each would otherwise see the other still sending, and neither fall back). The later
    /// status refresh locks the same rows again in the same order.
    /// </summary>
    internal static async Task LockForFallbackAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<string> notificationIds, CancellationToken ct)
    {
        var ids = notificationIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (ids.Length > 0)
        {
            await c.Command("SELECT 1 FROM notifications WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", tx).With("ids", ids).ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Adds a planned fallback if its condition holds in this transaction (see <see cref="FallbackPlan"/>); true when added.</summary>
    internal static async Task<bool> AddFallbackAsync(NpgsqlConnection c, NpgsqlTransaction tx, FallbackPlan f, CancellationToken ct)
    {
        var blocked = await c.Command("""
            SELECT EXISTS (SELECT 1 FROM deliveries WHERE notification_id = @n AND channel = @to)
                OR EXISTS (SELECT 1 FROM deliveries WHERE notification_id = @n AND channel = @from AND status = ANY(@b))
            """, tx).With("n", f.NotificationId).With("to", (int)f.To).With("from", (int)f.From).With("b", f.Blockers.ToArray()).ExecuteScalarAsync(ct) is true;
        if (blocked)
        {
            return false;
        }

        await PgWrites.InsertDeliveriesAsync(c, tx, f.Deliveries, orIgnore: true, ct);
        await PgWrites.InsertTraceAsync(c, tx, f.Trace, ct);
        return true;
    }
}
