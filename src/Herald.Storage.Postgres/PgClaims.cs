using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The claim path shared by the in-process lanes (<see cref="PostgresDispatchStore.ClaimDueAsync"/>) and the work
/// transport (<see cref="PostgresRelayStore.ClaimPublishedAsync"/>): the two-phase gate over a whole batch, in a fixed
/// number of round trips whatever the batch size.
/// </summary>
internal static class PgClaims
{
    internal static readonly Comparison<Delivery> DueOrder = static (a, b) =>
    {
        var byDue = a.DueAt.CompareTo(b.DueAt);
        if (byDue != 0)
        {
            return byDue;
        }

        var byNotification = string.CompareOrdinal(a.NotificationId, b.NotificationId);
        return byNotification != 0 ? byNotification : string.CompareOrdinal(a.Id, b.Id);
    };

    /// <summary>
    /// Runs the gate on locked candidates, in their order, and writes its decisions. Phase one loads every fact the gate
    /// reads for the batch (<see cref="LoadGateFactsAsync"/>); phase two decides in memory, each claim counted by the
    /// decisions after it; then claims, deferrals, suppressions and trace go in one round trip.
    /// </summary>
    internal static async Task<IReadOnlyList<Delivery>> GateAndClaimAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Delivery> candidates,
        DateTimeOffset now, DateTimeOffset leaseUntil, string owner, IDispatchGate gate, CancellationToken ct)
    {
        var facts = await LoadGateFactsAsync(c, tx, candidates, gate, now, ct);
        // Claims of a recipient's channel are serialized by its lock, but `now` was read before this transaction waited for
        // locks (rows a relay still publishes, a recipient another claimer holds). A claim stamped earlier than one it
        // waited for would sit unseen in the sliding window (sends after now do not count), so the batch takes the time
        // of the latest claim it loaded: claim times per recipient and channel never go backwards.
        if (facts.LatestSend > now)
        {
            now = facts.LatestSend;
        }
        var claimed = new List<Delivery>(candidates.Count);
        var deferred = new List<(Delivery Delivery, DateTimeOffset Until)>();
        var suppressed = new List<(Delivery Delivery, string Reason, string Status)>();
        var folded = new List<(Delivery Delivery, GateDecision.Fold Fold)>();
        var trace = new List<TraceEntry>();
        foreach (var d in candidates)
        {
            switch (gate.Decide(d, facts, now))
            {
                case GateDecision.Defer defer:
                    deferred.Add((d, defer.Until));
                    trace.Add(new TraceEntry(d.NotificationId, now, defer.Stage, d.Channel.ToWire(), "deferred", defer.Reason));
                    break;
                case GateDecision.Fold fold:
                    // Recorded like a suppression (status folded), then appended to the rate-limit digest below.
                    suppressed.Add((d, fold.Reason, DeliveryStatus.Folded));
                    folded.Add((d, fold));
                    trace.Add(new TraceEntry(d.NotificationId, now, fold.Stage, d.Channel.ToWire(), DeliveryStatus.Folded, fold.Reason));
                    break;
                case GateDecision.Suppress suppress:
                    suppressed.Add((d, suppress.Reason, suppress.Status));
                    trace.Add(new TraceEntry(d.NotificationId, now, suppress.Stage, d.Channel.ToWire(), suppress.Status, suppress.Reason));
                    break;
                default:
                    facts.Claimed(d, now);
                    claimed.Add(d with { Status = DeliveryStatus.Sending, Attempts = d.Attempts + 1 });
                    break;
            }
        }

        await WriteGateDecisionsAsync(c, tx, claimed, deferred, suppressed, trace, now, leaseUntil, owner, ct);
        if (folded.Count > 0)
        {
            var data = (await c.Command("SELECT id, data FROM notifications WHERE id = ANY(@ids)", tx).With("ids", folded.Select(x => x.Delivery.NotificationId).Distinct().ToArray())
                .ReadAllAsync(r => (Id: r.GetString(0), Data: r.GetString(1)), ct)).ToDictionary(x => x.Id, x => x.Data, StringComparer.Ordinal);
            await PostgresDigestStore.AppendDigestsAsync(c, tx, folded.Select(x => new DigestAppend(x.Delivery.RecipientId, x.Delivery.EventType, DigestKinds.RateLimit, "",
                x.Delivery.NotificationId, x.Delivery.Id, data.GetValueOrDefault(x.Delivery.NotificationId, "{}"), x.Fold.Until, int.MaxValue, x.Fold.TemplateId, [Channel.Email],
                x.Delivery.EnvironmentId)), now, ct);
        }

        if (suppressed.Count > 0)
        {
            await PgWrites.RefreshNotificationsAsync(c, tx, suppressed.Select(x => x.Delivery.NotificationId), now, ct);
        }

        return claimed;
    }

    /// <summary>
    /// Phase one of the gate, in two round trips. First: an advisory lock per recipient and channel (all of them, in one
    /// global order, so two claimers never wait on each other in a cycle), which serializes claims of a recipient's channel
    /// across processes until the transaction ends, then the recipients' rules, the email and SMS addresses' suppressions,
    /// and the read times escalations ask about. Second, once the rules are known (the dedup windows are stamped on the
    /// deliveries) (a frequency cap looks back a day): the recipients' recent sends over the windows the gate reads.
    /// Every statement after the locks takes a READ COMMITTED snapshot newer than them, so the counts (rate limits, urgent
    /// ceilings, dedup) are exact under concurrent claimers.
    /// </summary>
    private static async Task<GateFacts> LoadGateFactsAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Delivery> candidates, IDispatchGate gate,
        DateTimeOffset now, CancellationToken ct)
    {
        var facts = new GateFacts();
        var generic = candidates.Count <= PgWrites.GenericPlanBatch;
        var pairs = candidates.Select(d => (d.RecipientId, d.Channel)).Distinct().ToList();
        var addresses = candidates.Where(d => d.Channel is Channel.Email or Channel.Sms).Select(d => (d.EnvironmentId, d.Channel, d.Target)).Distinct().ToArray();
        var escalations = candidates.Where(d => d.Condition is not null).Select(d => d.NotificationId).Distinct(StringComparer.Ordinal).ToArray();
        var rules = new Dictionary<(string Environment, string User), IReadOnlyList<Core.Preferences.PreferenceRule>>();
        var owners = candidates.Select(d => (d.EnvironmentId, d.RecipientId)).Distinct().ToArray();
        var probes = GateFacts.ContentProbes(gate, candidates, now);
        var counts = GateFacts.CountRanges(gate, candidates, null, now);
        var counted = new List<(CountRange Range, DateTimeOffset At, string? EventType)>();

        await using (var batch = new NpgsqlBatch(c, tx))
        {
            var keys = pairs.Select(p => p.RecipientId + "\u001f" + ((int)p.Channel).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Order(StringComparer.Ordinal).ToArray();
            // unnest yields the sorted keys in order, so the locks are taken in that order.
            batch.BatchCommands.Add(PgWrites.BatchCommand("SELECT pg_advisory_xact_lock(hashtextextended('herald.recipient:' || k, 0)) FROM unnest(@k::text[]) AS x(k)", ("k", keys)));
            // Each delivery's environment's user: another environment's user of the same id never decides its sends.
            batch.BatchCommands.Add(PgWrites.BatchCommand("""
                SELECT u.environment_id, u.user_id, u.preferences FROM users u
                JOIN unnest(@env::text[], @u::text[]) AS x(env, uid) ON u.environment_id = x.env AND u.user_id = x.uid
                WHERE u.preferences IS NOT NULL
                """, ("env", owners.Select(o => o.EnvironmentId).ToArray()), ("u", owners.Select(o => o.RecipientId).ToArray())));
            batch.BatchCommands.Add(PgWrites.BatchCommand("""
                SELECT s.environment_id, s.channel, s.address, s.reason FROM suppressions s
                JOIN unnest(@env::text[], @c::integer[], @a::text[]) AS x(env, ch, addr) ON s.environment_id = x.env AND s.channel = x.ch AND s.address = x.addr
                """, ("env", addresses.Select(a => a.EnvironmentId).ToArray()), ("c", addresses.Select(a => (int)a.Channel).ToArray()),
                ("a", addresses.Select(a => a.Target).ToArray())));
            batch.BatchCommands.Add(PgWrites.BatchCommand("SELECT notification_id, min(read_at) FROM feed WHERE notification_id = ANY(@n) AND read_at IS NOT NULL GROUP BY notification_id",
                ("n", escalations)));
            // Deliveries a provider throttled that have not gone out since (a nearly empty partial index): later ones wait.
            batch.BatchCommands.Add(PgWrites.BatchCommand($"""
                SELECT d.environment_id, d.recipient_id, d.channel, d.priority, d.notification_id, d.id, CASE WHEN d.status = 'deferred' THEN d.due_at END
                FROM unnest(@r::text[], @c::integer[]) AS x(r, ch)
                JOIN deliveries d ON d.recipient_id = x.r AND d.channel = x.ch AND d.throttled AND d.status IN {DeliveryStatus.Sql.ThrottleHolding}
                """, ("r", pairs.Select(p => p.RecipientId).ToArray()), ("c", pairs.Select(p => (int)p.Channel).ToArray())));
            // Content dedup: the latest same-content send per probe (ix_deliveries_content: the hash covers recipient, event
            // type and channel, so a few rows whatever the recipient's volume), one per delivery whose dedup is on. Sends for counting over each pair's window, caps aside (they need the rules: below).
            batch.BatchCommands.Add(PgWrites.BatchCommand($"""
                SELECT m.recipient_id, m.channel, m.claimed_at, m.event_type, m.content_hash, m.notification_id, m.id, m.environment_id
                FROM unnest(@env::text[], @r::text[], @c::integer[], @h::text[], @n::text[], @since::bigint[]) AS x(env, r, ch, h, nid, since)
                CROSS JOIN LATERAL (
                    SELECT d.* FROM deliveries d
                    WHERE d.content_hash = x.h AND d.recipient_id = x.r AND d.channel = x.ch AND d.claimed_at > x.since AND d.notification_id <> x.nid
                      AND d.environment_id = x.env AND d.status IN {DeliveryStatus.Sql.InFlightOrSent}
                    ORDER BY d.claimed_at DESC LIMIT 1) m
                """, ("env", probes.Select(p => p.EnvironmentId).ToArray()), ("r", probes.Select(p => p.RecipientId).ToArray()),
                ("c", probes.Select(p => (int)p.Channel).ToArray()), ("h", probes.Select(p => p.ContentHash).ToArray()),
                ("n", probes.Select(p => p.NotificationId).ToArray()), ("since", probes.Select(p => p.Since.Ms()).ToArray())));
            batch.BatchCommands.Add(CountedCommand(counts));
            // A small batch's reads run on generic plans: planned anew, each of these joins cost 1–3 ms of planning a call
            // (every partition of deliveries weighed), more than running them (pg_stat_statements at 100 urgent sends/s,
            // 2026-12-07). None reads by a status's partial index, so a plan made on fresh statistics (PostgresStatistics)
            // holds. Larger batches keep PostgreSQL's choice: on generic plans a lane's claims of up to 128 cost PostgreSQL
            // alone up to 30 % more CPU per notification in most steps of three interleaved pairs (docs/benchmarks.md).
            if (generic)
            {
                PgWrites.RunOnGenericPlans(batch);
            }

            await using var r = await batch.ExecuteReaderAsync(ct);
            await r.NextResultAsync(ct); // the locks
            while (await r.ReadAsync(ct))
            {
                rules[(r.GetString(0), r.GetString(1))] = StoreJson.Rules(r.GetString(2));
            }

            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                facts.AddSuppression(r.GetString(0), (Channel)r.GetInt32(1), r.GetString(2), r.GetString(3));
            }

            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                facts.AddReadAt(r.GetString(0), r.Time(1));
            }

            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                facts.AddThrottled(r.GetString(0), r.GetString(1), (Channel)r.GetInt32(2), (Priority)r.GetInt32(3), r.GetString(4), r.GetString(5),
                    r.IsDBNull(6) ? null : r.Time(6));
            }

            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                facts.AddSameContent(ReadSend(r));
            }

            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                counted.Add(ReadCounted(r, counts));
            }
        }

        foreach (var ((environment, user), list) in rules)
        {
            facts.AddRules(environment, user, list);
        }

        // A frequency cap (a user's own rule, so rare) looks back a day and filters by event type: those pairs are read again
        // once the rules are known; the rest keep what the first round trip read.
        var loaded = counts.ToDictionary(p => (p.EnvironmentId, p.RecipientId, p.Channel));
        var again = GateFacts.CountRanges(gate, candidates, (e, u) => rules.GetValueOrDefault((e, u)) ?? [], now)
            .Where(p => !loaded.TryGetValue((p.EnvironmentId, p.RecipientId, p.Channel), out var first) || p.Since < first.Since || (p.EventTypes && !first.EventTypes))
            .ToList();
        if (again.Count > 0)
        {
            var reread = again.Select(p => (p.EnvironmentId, p.RecipientId, p.Channel)).ToHashSet();
            counted.RemoveAll(x => reread.Contains((x.Range.EnvironmentId, x.Range.RecipientId, x.Range.Channel)));
            await using var more = new NpgsqlBatch(c, tx);
            more.BatchCommands.Add(CountedCommand(again));
            if (generic)
            {
                PgWrites.RunOnGenericPlans(more);
            }

            await using (var reader = await more.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    counted.Add(ReadCounted(reader, again));
                }
            }

            counted.Sort((a, b) => a.At.CompareTo(b.At));
        }

        foreach (var (range, at, eventType) in counted)
        {
            facts.AddCounted(range.EnvironmentId, range.RecipientId, range.Channel, at, eventType);
        }

        return facts;
    }

    /// <summary>
    /// The sends counted per environment's recipient and channel since each range's Since, in ascending claim time: the claim
    /// time, the range's ordinal, and the event type only where the range wants it (no strings for a busy recipient's hour).
    /// </summary>
    private static NpgsqlBatchCommand CountedCommand(List<CountRange> ranges) =>
        PgWrites.BatchCommand($"""
            SELECT x.ord, d.claimed_at, CASE WHEN x.et THEN d.event_type END
            FROM unnest(@env::text[], @r::text[], @c::integer[], @since::bigint[], @et::boolean[]) WITH ORDINALITY AS x(env, r, ch, since, et, ord)
            JOIN deliveries d ON d.recipient_id = x.r AND d.channel = x.ch AND d.claimed_at > x.since AND d.environment_id = x.env
            WHERE d.status IN {DeliveryStatus.Sql.InFlightOrSent}
            ORDER BY d.claimed_at
            """, ("env", ranges.Select(p => p.EnvironmentId).ToArray()), ("r", ranges.Select(p => p.RecipientId).ToArray()),
            ("c", ranges.Select(p => (int)p.Channel).ToArray()), ("since", ranges.Select(p => p.Since.Ms()).ToArray()),
            ("et", ranges.Select(p => p.EventTypes).ToArray()));

    private static (CountRange Range, DateTimeOffset At, string? EventType) ReadCounted(NpgsqlDataReader r, List<CountRange> ranges) =>
        (ranges[(int)r.GetInt64(0) - 1], r.Time(1), r.IsDBNull(2) ? null : r.GetString(2));

    private static RecentSend ReadSend(NpgsqlDataReader r) =>
        new(r.GetString(0), (Channel)r.GetInt32(1), r.Time(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7));

    /// <summary>The gate's decisions for a batch, one round trip: claims, deferrals, suppressions and their trace.</summary>
    private static async Task WriteGateDecisionsAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Delivery> claimed,
        List<(Delivery Delivery, DateTimeOffset Until)> deferred, List<(Delivery Delivery, string Reason, string Status)> suppressed,
        List<TraceEntry> trace, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(c, tx);
        // Each update names its rows twice: joined to the key pairs, and `notification_id = ANY(@n)`, which PostgreSQL can
        // prune the monthly partitions by (a join alone plans and opens every month; see PgWrites, keyed statements and partitions).
        if (claimed.Count > 0)
        {
            batch.BatchCommands.Add(PgWrites.BatchCommand("""
                UPDATE deliveries SET status = 'sending', lease_until = @lease, lease_owner = @owner, claimed_at = @now, attempts = attempts + 1,
                    updated_at = @now, published_due = NULL, published_at = NULL
                FROM unnest(@n::text[], @id::text[]) AS x(nid, did)
                WHERE notification_id = x.nid AND id = x.did AND notification_id = ANY(@n)
                """, ("lease", leaseUntil.Ms()), ("owner", owner), ("now", now.Ms()), ("n", claimed.Select(d => d.NotificationId).ToArray()),
                ("id", claimed.Select(d => d.Id).ToArray())));
        }

        if (deferred.Count > 0)
        {
            batch.BatchCommands.Add(PgWrites.BatchCommand("""
                UPDATE deliveries SET status = 'deferred', due_at = x.until, throttled = false, updated_at = @now
                FROM unnest(@n::text[], @id::text[], @until::bigint[]) AS x(nid, did, until)
                WHERE notification_id = x.nid AND id = x.did AND notification_id = ANY(@n)
                """, ("n", deferred.Select(x => x.Delivery.NotificationId).ToArray()), ("id", deferred.Select(x => x.Delivery.Id).ToArray()),
                ("until", deferred.Select(x => x.Until.Ms()).ToArray()), ("now", now.Ms())));
        }

        if (suppressed.Count > 0)
        {
            batch.BatchCommands.Add(PgWrites.BatchCommand("""
                UPDATE deliveries SET status = x.status, last_error = x.reason, updated_at = @now
                FROM unnest(@n::text[], @id::text[], @r::text[], @s::text[]) AS x(nid, did, reason, status)
                WHERE notification_id = x.nid AND id = x.did AND notification_id = ANY(@n)
                """, ("n", suppressed.Select(x => x.Delivery.NotificationId).ToArray()), ("id", suppressed.Select(x => x.Delivery.Id).ToArray()),
                ("r", suppressed.Select(x => x.Reason).ToArray()), ("s", suppressed.Select(x => x.Status).ToArray()), ("now", now.Ms())));
        }

        if (trace.Count > 0)
        {
            PgWrites.AddTrace(batch, trace);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }
}
