using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;
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

    public Task<BatchResults> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct) =>
        BatchIsolation.WriteWithSubstitutesAsync(completions, part => CompleteBatchAsync(part, now, ct), (x, reason) => x.Unstorable(reason, now));

    /// <summary>
    /// A batch's settlement in one transaction and few statements, whatever its size: the deliveries' update, their
    /// attempts, feed items, lifecycle events and trace each in one statement (<c>json_each</c>), the notifications'
    /// statuses in one; only the rare extras (a device removed, a suppression, an endpoint's streak, a fallback) are
    /// written per completion, in the batch's order.
    /// </summary>
    private Task<IReadOnlyList<bool>> CompleteBatchAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<bool>>((c, tx) =>
        {
            var applied = MarkSettled(c, tx, completions, now);
            var done = new List<DeliveryCompletion>(completions.Count);
            var notifications = new HashSet<string>(StringComparer.Ordinal);
            var lifecycle = new List<Notification>();
            var feed = new List<FeedItem>();
            var trace = new List<TraceEntry>();
            for (var i = 0; i < completions.Count; i++)
            {
                var x = completions[i];
                if (!applied[i])
                {
                    continue; // no longer in flight under this lease
                }

                done.Add(x);
                trace.AddRange(x.Trace);
                if (x.LifecycleEvent is { } e)
                {
                    lifecycle.Add(e); // commits with the state change it reports, or not at all
                }

                if (x.FeedItem is { } f)
                {
                    feed.Add(f);
                }

                if (x.RemoveDeviceId is { } device)
                {
                    c.Command("DELETE FROM devices WHERE id = $id", tx).With("$id", device).NonQuery();
                }

                if (x.Suppress is { } s)
                {
                    AddSuppression(c, tx, s);
                }

                if (x.EndpointResult is { } endpoint)
                {
                    TraceAll(c, tx, trace); // what these write may trace: the entries before them go first
                    SqliteEndpointStore.ApplyResult(c, tx, endpoint, now, endpointDisableAfter);
                }

                if (x.Fallback is { } fallback)
                {
                    TraceAll(c, tx, trace);
                    AddFallback(c, tx, fallback);
                }

                notifications.Add(x.NotificationId);
            }

            InsertAttempts(c, tx, done);
            InsertFeedItems(c, tx, feed);
            InsertNotifications(c, tx, lifecycle, now);
            TraceAll(c, tx, trace);
            // Once per notification, not per delivery: a batch often holds several channels of one notification.
            RefreshNotificationStatuses(c, tx, notifications, now);
            return applied;
        }, ct);

    /// <summary>A sent outcome whose failure report arrived while it was being settled: its late-failure retry applies instead.</summary>
    private const string ReportedFailed = "(x.s = 'sent' AND COALESCE(d.tracked_status, '') = 'failed' AND x.ls IS NOT NULL)";

    private const string SettleSql = $"""
        UPDATE deliveries AS d SET
            status = CASE WHEN {ReportedFailed} THEN x.ls WHEN x.s = 'sent' AND d.tracked_status IS NOT NULL THEN d.tracked_status ELSE x.s END,
            due_at = CASE WHEN {ReportedFailed} THEN COALESCE(x.ldue, d.due_at) ELSE COALESCE(x.due, d.due_at) END,
            provider = COALESCE(x.prov, d.provider),
            last_error = CASE WHEN {ReportedFailed} THEN x.lerr ELSE x.err END,
            provider_message_id = COALESCE(x.pmid, d.provider_message_id),
            sent_at = CASE WHEN {ReportedFailed} THEN NULL WHEN x.s = 'sent' THEN $now ELSE d.sent_at END,
            tracked_status = CASE WHEN {ReportedFailed} THEN NULL ELSE d.tracked_status END,
            attempts = CASE WHEN x.o = 'throttled' OR x.s = 'held' THEN d.attempts - 1 ELSE d.attempts END,
            throttled = CASE WHEN x.o = 'throttled' THEN 1 ELSE 0 END,
            lease_until = CASE WHEN x.s = 'unknown' THEN x.due ELSE NULL END, lease_owner = NULL, updated_at = $now
        FROM (SELECT value ->> 0 AS id, value ->> 1 AS owner, value ->> 2 AS s, value ->> 3 AS due, value ->> 4 AS prov, value ->> 5 AS err,
                  value ->> 6 AS pmid, value ->> 7 AS o, value ->> 8 AS ls, value ->> 9 AS ldue, value ->> 10 AS lerr FROM json_each($rows)) AS x
        WHERE d.id = x.id AND d.status IN {DeliveryStatus.Sql.InFlight} AND d.lease_owner = x.owner
        RETURNING id
        """;

    /// <summary>
    /// Applies each completion's outcome to its delivery if it is still in flight under the completion's lease, one
    /// statement for the batch; which completions applied. Several completions of one delivery in a batch go in rounds
    /// (the first of each delivery, then the second, ...), so each is tried after the ones before it, as one row at a
    /// time would.
    /// </summary>
    private static bool[] MarkSettled(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now)
    {
        var applied = new bool[completions.Count];
        // Round k holds the (k+1)-th completion of each delivery, by delivery id, with its index in the batch.
        var rounds = new List<Dictionary<string, int>>(1);
        for (var i = 0; i < completions.Count; i++)
        {
            var k = 0;
            while (k < rounds.Count && rounds[k].ContainsKey(completions[i].DeliveryId))
            {
                k++;
            }

            if (k == rounds.Count)
            {
                rounds.Add(new Dictionary<string, int>(completions.Count, StringComparer.Ordinal));
            }

            rounds[k][completions[i].DeliveryId] = i;
        }

        foreach (var index in rounds)
        {
            var rows = JsonRows.Of(index.Values.Select(i => completions[i]), static (json, x) =>
            {
                json.Text(x.DeliveryId);
                json.Text(x.LeaseOwner);
                json.Text(x.Status);
                json.Number(x.DueAt.Ms());
                json.Text(x.Provider);
                json.Text(x.LastError);
                json.Text(x.ProviderMessageId);
                json.Text(x.Outcome);
                json.Text(x.IfReportedFailed?.Status);
                json.Number(x.IfReportedFailed?.DueAt.Ms());
                json.Text(x.IfReportedFailed?.Error);
            }, index.Count * 160);
            foreach (var id in c.Command(SettleSql, tx).With("$rows", rows).With("$now", now.Ms()).ReadAll(row => row.GetString(0)))
            {
                applied[index[id]] = true;
            }
        }

        return applied;
    }

    private static void InsertAttempts(SqliteConnection c, SqliteTransaction tx, List<DeliveryCompletion> done)
    {
        if (done.Count == 0)
        {
            return;
        }

        c.Command("""
            INSERT INTO attempts(delivery_id, provider, outcome, detail, provider_message_id, started_at, finished_at)
            SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 FROM json_each($rows) ORDER BY key
            """, tx).With("$rows", JsonRows.Of(done, static (json, x) =>
            {
                json.Text(x.DeliveryId);
                json.Text(x.Provider);
                json.Text(x.Outcome);
                json.Text(x.LastError);
                json.Text(x.ProviderMessageId);
                json.Number(x.StartedAt.Ms());
                json.Number(x.FinishedAt.Ms());
            }, done.Count * 128)).NonQuery();
    }

    private static void InsertFeedItems(SqliteConnection c, SqliteTransaction tx, List<FeedItem> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        c.Command("""
            INSERT INTO feed(environment_id, user_id, notification_id, delivery_id, event_type, title, body, action_url, icon, created_at)
            SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9
            FROM json_each($rows) WHERE true ORDER BY key
            ON CONFLICT(delivery_id) DO NOTHING
            """, tx).With("$rows", JsonRows.Of(items, static (json, f) =>
            {
                json.Text(f.EnvironmentId);
                json.Text(f.UserId);
                json.Text(f.NotificationId);
                json.Text(f.DeliveryId);
                json.Text(f.EventType);
                json.Text(f.Title);
                json.Text(f.Body);
                json.Text(f.ActionUrl);
                json.Text(f.Icon);
                json.Number(f.CreatedAt.Ms());
            }, items.Count * 256)).NonQuery();
    }

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
