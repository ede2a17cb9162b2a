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
        Source = NpgsqlDataSource.Create(Settings(options.ConnectionString));
        Options = options;
        Signals = new PostgresSignalSender(Source);
    }

    /// <summary>
    /// The connection string the pool uses: UTC, and <c>Max Auto Prepare=128</c> unless the configured string names
    /// its own. Every statement on the hot path is the same text each time (arrays as parameters): prepared once per
    /// connection, PostgreSQL skips parsing and planning it again (with partitioned tables, planning was about a fifth
    /// of PostgreSQL's CPU per notification). Whether the key was given is read from the string itself:
    /// <see cref="NpgsqlConnectionStringBuilder.ContainsKey"/> answers whether a keyword exists, so testing it
    /// left auto-preparation off until 2026-12-07.
    /// </summary>
    /// <remarks>
    /// Also <c>No Reset On Close=true</c> unless given: Npgsql otherwise resets every connection it takes back
    /// (<c>pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL</c> before its next command), four statements
    /// each time a store call ends (statements per webhook notification 12.4–13.9 → 3.4–4.0 without them,
    /// pg_stat_statements, 2026-12-07). Herald leaves no session state on a pooled connection: settings are
    /// <c>SET LOCAL</c> (gone at commit), advisory locks are transaction locks except the migrator's, which it
    /// releases, and LISTEN runs on a connection of its own. An open transaction is still rolled back on return.
    /// </remarks>
    public static string Settings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(string key) => given.Keys.Cast<string>().Any(k => string.Equals(k.Replace(" ", "", StringComparison.Ordinal), key, StringComparison.OrdinalIgnoreCase));
        if (!Given("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 128;
        }

        if (!Given("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
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
        catch (Exception ex)
        {
            if (ex is not PostgresException and not OperationCanceledException)
            {
                // Failed on our side (writing the batch): Npgsql's prepared-statement bookkeeping may be wrong now. An error
                // the server answered (a deadlock, a constraint) leaves it right, and keeps the statements prepared.
                await ForgetPreparedAsync(c, tx);
            }

            if (PostgresDataErrors.ReasonOf(ex) is { } reason)
            {
                // Rolled back; the caller isolates the item that carried the data (Herald.Core.Storage.BatchIsolation).
                throw new Herald.Core.Storage.StoreDataException(reason, ex);
            }

            throw;
        }
        finally
        {
            // Npgsql hands the same transaction object to the connection's next transaction: never carry signals over.
            OnCommit.Remove(tx);
        }
    }

    /// <summary>
    /// After a failed write: rolls back and drops the connection's prepared statements (<c>DEALLOCATE ALL</c>), so
    /// the pool hands it out clean. Npgsql 10.0.3 marks a statement for auto-preparation before it writes the
    /// parameters; when writing them throws (a lone surrogate cannot be encoded) the server never saw the statement,
    /// yet the connection treats it as prepared and every later run of that text fails with 26000 "prepared statement
    /// does not exist" (npgsql/npgsql#6391 is the open report of the same family). Only after a client-side failure
    /// (rare), so the round trip costs nothing; a broken connection is left to the pool to discard.
    /// </summary>
    private static async Task ForgetPreparedAsync(NpgsqlConnection c, NpgsqlTransaction tx)
    {
        if (c.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await tx.RollbackAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Already completed (the commit itself failed).
        }
        catch (NpgsqlException)
        {
            return; // broken; Npgsql does not return a broken connector to the pool
        }

        try
        {
            c.UnprepareAll(); // no async form in Npgsql; one round trip on a rare path
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken; Npgsql does not return a broken connector to the pool.
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
