using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Sends the cluster signals of committed writes, after their commit, coalesced: one NOTIFY statement at a time per
/// process, carrying every distinct (topic, key) gathered meanwhile. Not pg_notify inside the write's transaction:
/// PostgreSQL serializes the commits of notifying transactions on one database-wide lock held through the commit's
/// WAL flush, which would put every ingest, planning and completion commit in a single file. A signal lost here
/// (the process dies between commit and send, or the send fails) costs what any lost signal costs: the fallback poll.
/// </summary>
internal sealed class PostgresSignalSender(NpgsqlDataSource source)
{
    private readonly Lock _gate = new();
    private HashSet<(string Topic, string Key)> _pending = [];
    private bool _sending;

    /// <summary>Told of a failed send (the signals of that round are dropped; receivers fall back to polling).</summary>
    public Action<Exception>? Failed { get; set; }

    public void Enqueue(IEnumerable<(string Topic, string Key)> signals)
    {
        lock (_gate)
        {
            _pending.UnionWith(signals);
            if (_sending || _pending.Count == 0)
            {
                return;
            }

            _sending = true;
        }

        _ = Task.Run(SendAllAsync);
    }

    private async Task SendAllAsync()
    {
        while (true)
        {
            HashSet<(string Topic, string Key)> round;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _sending = false;
                    return;
                }

                (round, _pending) = (_pending, []);
            }

            try
            {
                var payloads = round.GroupBy(s => s.Topic, StringComparer.Ordinal)
                    .SelectMany(g => ClusterSignalPayload.Encode(g.Key, g.Select(s => s.Key))).ToArray();
                await using var c = await source.OpenConnectionAsync();
                await using var tx = await c.BeginTransactionAsync();
                // A notification needs no durable commit: without waiting for the WAL flush, the sender's commits cost the
                // disk nothing next to the writes they signal.
                await c.Command("SET LOCAL synchronous_commit = off", tx).ExecuteNonQueryAsync();
                await c.Command("SELECT pg_notify(@ch, p) FROM unnest(@p::text[]) AS p", tx)
                    .With("ch", ClusterSignalPayload.Channel).With("p", payloads).ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }
            catch (Exception ex)
            {
                // Never thrown at a writer whose commit already succeeded: reported, and the receivers' fallbacks cover it.
                Failed?.Invoke(ex);
            }
        }
    }
}
