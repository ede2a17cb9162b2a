using Herald.Core.Domain;
using Herald.Core.Storage;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The lanes' claims and settlements, and the leases of sends in doubt. A settlement writes, in its one transaction, what
/// the outcome touches in other families' tables (feed item, device, suppression, endpoint streak, fallback).
/// </summary>
internal sealed class SqliteDispatchStore(SqliteDatabase db, TimeSpan endpointDisableAfter) : IDispatchStore
{
    public async Task<IReadOnlyList<Delivery>> ClaimDueAsync(Channel channel, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, IDispatchGate gate,
        IReadOnlySet<string>? held, CancellationToken ct)
    {
        // An idle lane looks on a read connection first, so polling never queues behind the single writer.
        if (await NextDueAsync(channel, priority, ct) is not { } next || next > now)
        {
            return [];
        }

        return await ClaimDueLockedAsync(channel, priority, now, leaseUntil, owner, limit, gate, held, ct);
    }

    private Task<IReadOnlyList<Delivery>> ClaimDueLockedAsync(Channel channel, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, IDispatchGate gate,
        IReadOnlySet<string>? held, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<Delivery>>((c, tx) =>
        {
            // Held recipients (a send of theirs still in flight on this lane) are skipped in the scan, so the limit is filled with others.
            var select = c.Command($"""
                SELECT {DeliveryRow.Columns} FROM deliveries
                WHERE channel = $c AND priority = $p AND status IN {DeliveryStatus.Sql.Claimable} AND due_at <= $now
                  {(held is { Count: > 0 } ? "AND recipient_id NOT IN (SELECT value FROM json_each($held))" : "")}
                ORDER BY due_at LIMIT $n
                """, tx).With("$c", (int)channel).With("$p", (int)priority).With("$now", now.Ms()).With("$n", limit);
            if (held is { Count: > 0 })
            {
                select.With("$held", JsonRows.Strings(held));
            }

            var candidates = select.ReadAll(DeliveryRow.Map);
            if (candidates.Count == 0)
            {
                return candidates;
            }

            var facts = SqliteGateFacts.Load(c, tx, candidates, gate, now);
            // Claim times per recipient and channel never go backwards (see PgClaims): a clock step back must not hide a send.
            if (facts.LatestSend > now)
            {
                now = facts.LatestSend;
            }

            var claimed = new List<Delivery>(candidates.Count);
            foreach (var d in candidates)
            {
                switch (gate.Decide(d, facts, now))
                {
                    case GateDecision.Defer defer:
                        c.Command("UPDATE deliveries SET status = 'deferred', due_at = $due, throttled = 0, updated_at = $now WHERE id = $id", tx)
                            .With("$due", defer.Until.Ms()).With("$now", now.Ms()).With("$id", d.Id).NonQuery();
                        Trace(c, tx, new TraceEntry(d.NotificationId, now, defer.Stage, d.Channel.ToWire(), "deferred", defer.Reason));
                        break;
                    case GateDecision.Fold fold:
                        // Folded: the email is not sent alone but goes into the recipient's rate-limit digest for this event type,
                        // which closes when the limit allows (the closer sends it), in this same claim transaction.
                        c.Command("UPDATE deliveries SET status = 'folded', last_error = $r, updated_at = $now WHERE id = $id", tx)
                            .With("$r", fold.Reason).With("$now", now.Ms()).With("$id", d.Id).NonQuery();
                        Trace(c, tx, new TraceEntry(d.NotificationId, now, fold.Stage, d.Channel.ToWire(), DeliveryStatus.Folded, fold.Reason));
                        var data = c.Command("SELECT data FROM notifications WHERE id = $n", tx).With("$n", d.NotificationId).Scalar() as string ?? "{}";
                        SqliteDigestStore.Append(c, tx, new Core.Digests.DigestAppend(d.RecipientId, d.EventType, Core.Digests.DigestKinds.RateLimit, "", d.NotificationId, d.Id, data,
                            fold.Until, int.MaxValue, fold.TemplateId, [Channel.Email], d.EnvironmentId), now);
                        RefreshNotificationStatus(c, tx, d.NotificationId, now);
                        break;
                    case GateDecision.Suppress suppress:
                        c.Command("UPDATE deliveries SET status = $s, last_error = $r, updated_at = $now WHERE id = $id", tx)
                            .With("$s", suppress.Status).With("$r", suppress.Reason).With("$now", now.Ms()).With("$id", d.Id).NonQuery();
                        Trace(c, tx, new TraceEntry(d.NotificationId, now, suppress.Stage, d.Channel.ToWire(), suppress.Status, suppress.Reason));
                        RefreshNotificationStatus(c, tx, d.NotificationId, now);
                        break;
                    default:
                        facts.Claimed(d, now);
                        claimed.Add(d with { Status = DeliveryStatus.Sending, Attempts = d.Attempts + 1 });
                        break;
                }
            }

            if (claimed.Count > 0)
            {
                c.Command("""
                    UPDATE deliveries SET status = 'sending', lease_until = $lease, lease_owner = $owner, claimed_at = $now, attempts = attempts + 1, updated_at = $now
                    WHERE id IN (SELECT value FROM json_each($ids))
                    """, tx).With("$lease", leaseUntil.Ms()).With("$owner", owner).With("$now", now.Ms())
                    .With("$ids", JsonRows.Strings(claimed.Select(d => d.Id))).NonQuery();
            }

            return claimed;
        }, ct);

    /// <summary>A sent outcome whose failure report arrived while it was being settled: its late-failure retry applies instead.</summary>
    private const string ReportedFailed = "($s = 'sent' AND COALESCE(tracked_status, '') = 'failed' AND $ls IS NOT NULL)";

    public Task<BatchResults> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct) =>
        BatchIsolation.WriteWithSubstitutesAsync(completions, part => CompleteBatchAsync(part, now, ct), (x, reason) => x.Unstorable(reason, now));

    private Task<IReadOnlyList<bool>> CompleteBatchAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var results = new bool[completions.Count];
            var settled = new HashSet<string>(StringComparer.Ordinal);
            var trace = new List<TraceEntry>();
            using var update = c.Command($"""
                UPDATE deliveries SET
                    status = CASE WHEN {ReportedFailed} THEN $ls WHEN $s = 'sent' AND tracked_status IS NOT NULL THEN tracked_status ELSE $s END,
                    due_at = CASE WHEN {ReportedFailed} THEN COALESCE($ldue, due_at) ELSE COALESCE($due, due_at) END,
                    provider = COALESCE($prov, provider),
                    last_error = CASE WHEN {ReportedFailed} THEN $lerr ELSE $err END,
                    provider_message_id = COALESCE($pmid, provider_message_id),
                    sent_at = CASE WHEN {ReportedFailed} THEN NULL WHEN $s = 'sent' THEN $now ELSE sent_at END,
                    tracked_status = CASE WHEN {ReportedFailed} THEN NULL ELSE tracked_status END,
                    attempts = CASE WHEN $o = 'throttled' OR $s = 'held' THEN attempts - 1 ELSE attempts END,
                    throttled = CASE WHEN $o = 'throttled' THEN 1 ELSE 0 END,
                    lease_until = CASE WHEN $s = 'unknown' THEN $due ELSE NULL END, lease_owner = NULL, updated_at = $now
                WHERE id = $id AND status IN {DeliveryStatus.Sql.InFlight} AND lease_owner = $owner
                """, tx);
            using var attempt = c.Command("""
                INSERT INTO attempts(delivery_id, provider, outcome, detail, provider_message_id, started_at, finished_at)
                VALUES ($id, $prov, $o, $err, $pmid, $st, $ft)
                """, tx);
            for (var i = 0; i < completions.Count; i++)
            {
                var x = completions[i];
                update.Parameters.Clear();
                update.With("$s", x.Status).With("$due", x.DueAt.Ms()).With("$prov", x.Provider).With("$err", x.LastError).With("$pmid", x.ProviderMessageId)
                    .With("$o", x.Outcome).With("$now", now.Ms()).With("$id", x.DeliveryId).With("$owner", x.LeaseOwner)
                    .With("$ls", x.IfReportedFailed?.Status).With("$ldue", x.IfReportedFailed?.DueAt.Ms()).With("$lerr", x.IfReportedFailed?.Error);
                if (update.ExecuteNonQuery() == 0)
                {
                    continue;
                }

                attempt.Parameters.Clear();
                attempt.With("$id", x.DeliveryId).With("$prov", x.Provider).With("$o", x.Outcome).With("$err", x.LastError)
                    .With("$pmid", x.ProviderMessageId).With("$st", x.StartedAt.Ms()).With("$ft", x.FinishedAt.Ms()).ExecuteNonQuery();
                trace.AddRange(x.Trace);

                if (x.LifecycleEvent is { } lifecycle)
                {
                    // The lifecycle event commits with the state change it reports, or not at all.
                    using var insert = NotificationInsert(c, tx);
                    BindNotification(insert, lifecycle, now);
                    insert.ExecuteNonQuery();
                }

                if (x.FeedItem is { } f)
                {
                    c.Command("""
                        INSERT INTO feed(environment_id, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at)
                        VALUES ($env, $u, $n, $d, $e, $t, $b, $a, $i, $c) ON CONFLICT(delivery_id) DO NOTHING
                        """, tx).With("$env", f.EnvironmentId).With("$u", f.UserId).With("$n", f.NotificationId).With("$d", f.DeliveryId).With("$e", f.EventType)
                        .With("$t", f.Title).With("$b", f.Body).With("$a", f.ActionUrl).With("$i", f.Icon).With("$c", f.CreatedAt.Ms()).NonQuery();
                }

                if (x.RemoveDeviceId is { } device)
                {
                    c.Command("DELETE FROM devices WHERE id = $id", tx).With("$id", device).NonQuery();
                }

                if (x.Suppress is { } s)
                {
                    AddSuppression(c, tx, s);
                }

                if (x.EndpointResult is { } e)
                {
                    TraceAll(c, tx, trace); // what these write may trace: the entries before them go first
                    SqliteEndpointStore.ApplyResult(c, tx, e, now, endpointDisableAfter);
                }

                if (x.Fallback is { } fallback)
                {
                    TraceAll(c, tx, trace);
                    AddFallback(c, tx, fallback);
                }

                settled.Add(x.NotificationId);
                results[i] = true;
            }

            TraceAll(c, tx, trace);
            // Once per notification, not per delivery: a batch often holds several channels of one notification.
            foreach (var notificationId in settled)
            {
                RefreshNotificationStatus(c, tx, notificationId, now);
            }

            return results;
        }, ct);

    public Task<IReadOnlyList<Delivery>> ClaimExpiredSendingAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<Delivery>>((c, tx) => c.Command($"""
            UPDATE deliveries SET status = 'unknown', lease_until = $lease, lease_owner = $owner, updated_at = $now, lookups = lookups + 1
            WHERE id IN (SELECT id FROM deliveries WHERE status IN {DeliveryStatus.Sql.InFlight} AND lease_until < $now ORDER BY lease_until LIMIT $n)
            RETURNING {DeliveryRow.Columns}
            """, tx).With("$lease", leaseUntil.Ms()).With("$owner", owner).With("$now", now.Ms()).With("$n", limit).ReadAll(DeliveryRow.Map), ct);

    public Task PostponeLookUpAsync(Delivery delivery, string owner, DateTimeOffset until, TraceEntry trace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(trace);
        return db.WriteAsync((c, tx) =>
        {
            if (c.Command("""
                UPDATE deliveries SET lease_until = $until, updated_at = $now WHERE id = $id AND lease_owner = $owner AND status = 'unknown'
                """, tx).With("$until", until.Ms()).With("$now", trace.At.Ms()).With("$id", delivery.Id).With("$owner", owner).NonQuery() == 1)
            {
                Trace(c, tx, trace);
            }

            return true;
        }, ct);
    }

    public Task<bool> ReplayDeadAsync(string deliveryId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var notificationId = c.Command("""
                UPDATE deliveries SET status = 'queued', due_at = $now, last_error = NULL, updated_at = $now
                WHERE id = $id AND status = 'dead' AND sent_at IS NULL RETURNING notification_id
                """, tx).With("$id", deliveryId).With("$now", now.Ms()).Scalar() as string;
            if (notificationId is null)
            {
                return false;
            }

            c.Command("UPDATE notifications SET status = 'processing', updated_at = $now WHERE id = $id AND status = 'completed'", tx)
                .With("$id", notificationId).With("$now", now.Ms()).NonQuery();
            Trace(c, tx, new TraceEntry(notificationId, now, "dlq", null, "replayed", $"delivery {deliveryId} replayed from the dead-letter queue"));
            return true;
        }, ct);

    public async Task<DateTimeOffset?> NextDueAsync(Channel channel, Priority priority, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        var value = await c.Command($"SELECT MIN(due_at) FROM deliveries WHERE channel = $c AND priority = $p AND status IN {DeliveryStatus.Sql.Claimable}")
            .With("$c", (int)channel).With("$p", (int)priority).ScalarAsync(ct);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
