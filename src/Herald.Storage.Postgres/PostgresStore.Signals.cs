using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Cluster signals sent by store writes, once the write's transaction commits (never for one rolled back); see
/// <see cref="PostgresSignalSender"/> for why after the commit rather than pg_notify inside it.
/// </summary>
public sealed partial class PostgresStore
{
    private static readonly string[] ClaimableStatuses = [DeliveryStatus.Queued, DeliveryStatus.Deferred, DeliveryStatus.Retrying];

    private static void SignalOnCommit(NpgsqlTransaction tx, string topic, IEnumerable<string> keys) => PostgresDatabase.SignalOnCommit(tx, topic, keys);

    /// <summary>A write that signals <paramref name="topic"/> (any key) on commit: a change every process's cache of it must drop.</summary>
    private Task<T> WriteSignallingAsync<T>(string topic, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var result = await work(c, tx);
            SignalOnCommit(tx, topic, ["*"]);
            return result;
        }, ct);

    /// <summary>Wakes relays (and, with in-process lanes, the lanes) of the lanes these new deliveries wait in.</summary>
    private static void SignalDue(NpgsqlTransaction tx, IEnumerable<Delivery> deliveries) =>
        SignalOnCommit(tx, ClusterTopics.Due,
            deliveries.Where(d => ClaimableStatuses.Contains(d.Status, StringComparer.Ordinal)).Select(d => ClusterTopics.Lane(d.Channel, d.Priority)));

    /// <summary>The due signal for stored deliveries named by id (a replay, a retry): their lanes are read from the rows.</summary>
    private static async Task NotifyDueByIdAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<(string NotificationId, string DeliveryId)> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var lanes = await c.Command("""
            SELECT DISTINCT channel, priority
            FROM deliveries d JOIN unnest(@n::text[], @id::text[]) AS x(nid, did) ON d.notification_id = x.nid AND d.id = x.did
            """, tx).With("n", ids.Select(x => x.NotificationId).ToArray()).With("id", ids.Select(x => x.DeliveryId).ToArray())
            .ReadAllAsync(r => ClusterTopics.Lane((Channel)r.GetInt32(0), (Priority)r.GetInt32(1)), ct);
        SignalOnCommit(tx, ClusterTopics.Due, lanes);
    }

    /// <summary>The earliest due time after <paramref name="after"/> of a claimable delivery no message was published for.</summary>
    public async Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset after, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var value = await c.Command($"""
            SELECT MIN(due_at) FROM deliveries WHERE status IN {DeliveryStatus.Sql.Claimable} AND published_due IS DISTINCT FROM due_at AND due_at > @after
            """).With("after", after.Ms()).ExecuteScalarAsync(ct);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
