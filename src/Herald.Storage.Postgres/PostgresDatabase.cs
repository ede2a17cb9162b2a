using System.Runtime.CompilerServices;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The connection pool and transaction helper. Every write is one transaction; callers batch rows into it (one commit
/// per batch, not per row). PostgreSQL's own locking replaces the SQLite store's single writer.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public PostgresDatabase(PostgresOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Timezone = "UTC" };
        if (!builder.ContainsKey("Max Auto Prepare"))
        {
            // Every statement on the hot path is the same text each time (arrays as parameters): prepared once per
            // connection, PostgreSQL skips parsing and planning them again, which is most of its CPU per small statement.
            builder.MaxAutoPrepare = 128;
        }

        Source = NpgsqlDataSource.Create(builder.ConnectionString);
        Options = options;
        Signals = new PostgresSignalSender(Source);
    }

    /// <summary>Signals gathered by a transaction's writes, sent once (and only if) it commits.</summary>
    private static readonly ConditionalWeakTable<NpgsqlTransaction, List<(string Topic, string Key)>> OnCommit = [];

    public NpgsqlDataSource Source { get; }

    public PostgresOptions Options { get; }

    internal PostgresSignalSender Signals { get; }

    /// <summary>Sends the cluster signal (<paramref name="topic"/>, each key) after <paramref name="tx"/> commits; nothing if it rolls back.</summary>
    internal static void SignalOnCommit(NpgsqlTransaction tx, string topic, IEnumerable<string> keys)
    {
        var list = OnCommit.GetValue(tx, _ => []);
        list.AddRange(keys.Select(k => (topic, k)));
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => await Source.OpenConnectionAsync(ct);

    /// <summary>
    /// Runs <paramref name="work"/> in one READ COMMITTED transaction and commits it. A failure caused by the data written
    /// (see <see cref="PostgresDataErrors"/>) is thrown as a <see cref="Herald.Core.Storage.StoreDataException"/>.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var c = await Source.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        try
        {
            var result = await work(c, tx);
            await tx.CommitAsync(ct);
            if (OnCommit.TryGetValue(tx, out var signals))
            {
                Signals.Enqueue(signals);
            }

            return result;
        }
        catch (Exception ex) when (PostgresDataErrors.ReasonOf(ex) is { } reason)
        {
            // Rolled back; the caller isolates the item that carried the data (Herald.Core.Storage.BatchIsolation).
            throw new Herald.Core.Storage.StoreDataException(reason, ex);
        }
        finally
        {
            // Npgsql hands the same transaction object to the connection's next transaction: never carry signals over.
            OnCommit.Remove(tx);
        }
    }

    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken ct) =>
        WriteAsync<bool>(async (c, t) => { await work(c, t); return true; }, ct);

    /// <summary>
    /// A write that PostgreSQL may abort to break a lock cycle (claims, completions and tracking lock rows in different
    /// orders under rare races) is run again from the start; the work must not have effects outside the transaction.
    /// </summary>
    internal async Task<T> WriteRetryingAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteAsync(work, ct);
            }
            catch (PostgresException ex) when (attempt < 3 && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // The transaction was rolled back; nothing of this attempt remains.
            }
        }
    }

    /// <summary>A write that signals <paramref name="topic"/> (any key) on commit: a change every process's cache of it must drop.</summary>
    internal Task<T> WriteSignallingAsync<T>(string topic, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct) =>
        WriteAsync(async (c, tx) =>
        {
            var result = await work(c, tx);
            SignalOnCommit(tx, topic, ["*"]);
            return result;
        }, ct);

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
