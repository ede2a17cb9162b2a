using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// SQLite allows one writer at a time, so every write goes through one connection behind an async lock (no busy
/// retries, no lock escalation); reads use pooled connections that WAL lets run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly SQLitePCL.delegate_profile? _onWriterStatement;
    private readonly SQLitePCL.delegate_profile? _onReaderStatement;
    private long _writerStatements;
    private long _writerBusyTicks;
    private long _writerTransactions;
    private long _writerCommitTicks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _writerByOperation = new(StringComparer.Ordinal);
    private long _readerStatements;
    private readonly WriterLock _writeLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _commits;
    private Task? _checkpointer;

    /// <summary>How often the WAL is checkpointed off the writer when something was committed since the last time.</summary>
    internal static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(200);
    private SqliteConnection? _writer;
    private WriterCommandCache? _writerCommands;
    private bool _disposed;

    public SqliteDatabase(SqliteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var full = System.IO.Path.GetFullPath(options.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
        _synchronous = options.Synchronous.Equals("NORMAL", StringComparison.OrdinalIgnoreCase) ? "NORMAL" : "FULL";
        if (options.CountStatements)
        {
            // Kept in fields: SQLite holds the callbacks, the GC must not collect them while a connection lives.
            _onWriterStatement = (_, _, _) => Interlocked.Increment(ref _writerStatements);
            _onReaderStatement = (_, _, _) => Interlocked.Increment(ref _readerStatements);
        }
    }

    /// <summary>Statements run so far on the writer and on read connections (zero unless <see cref="SqliteOptions.CountStatements"/>).</summary>
    public (long Writer, long Reader) Statements => (Interlocked.Read(ref _writerStatements), Interlocked.Read(ref _readerStatements));

    public async Task<SqliteConnection> OpenReadAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        if (_onReaderStatement is not null)
        {
            // Pooled connections keep their handle: set again on every open, replacing the callback of the last.
            SQLitePCL.raw.sqlite3_profile(connection.Handle, _onReaderStatement, null);
        }

        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction; commits when it returns.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct, [CallerMemberName] string operation = "")
    {
        await _writeLock.EnterAsync(Herald.Core.Storage.WritePriority.IsUrgent, ct);
        var held = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = await GetWriterAsync(ct);
            using var tx = connection.BeginTransaction();
            var result = work(connection, tx);
            var committing = System.Diagnostics.Stopwatch.GetTimestamp();
            tx.Commit();
            Interlocked.Add(ref _writerCommitTicks, System.Diagnostics.Stopwatch.GetTimestamp() - committing);
            Interlocked.Increment(ref _commits);
            return result;
        }
        catch (SqliteException ex) when (SqliteDataErrors.ReasonOf(ex) is { } reason)
        {
            // Rolled back by the dispose above; the caller isolates the item that carried the data (Herald.Core.Storage.BatchIsolation).
            throw new Herald.Core.Storage.StoreDataException(reason, ex);
        }
        finally
        {
            var ticks = System.Diagnostics.Stopwatch.GetTimestamp() - held;
            Interlocked.Add(ref _writerBusyTicks, ticks);
            Interlocked.Increment(ref _writerTransactions);
            _writerByOperation.AddOrUpdate(operation, static (_, add) => add, static (_, total, add) => total + add, ticks);
            _writeLock.Exit();
        }
    }

    /// <summary>
    /// How long the write lock has been held in all (work, commit and its fsync included), how many write transactions ran,
    /// and how long their commits took (with synchronous=FULL, mostly the WAL's fsync): the single writer's busy share over
    /// a period is the first thing to read when the embedded mode tops out.
    /// </summary>
    public (TimeSpan Busy, long Transactions, TimeSpan Committing) Writer =>
        (System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _writerBusyTicks)), Interlocked.Read(ref _writerTransactions),
            System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _writerCommitTicks)));

    /// <summary>The write lock's busy time per calling store method (the operation), for the same reading in finer grain.</summary>
    public IEnumerable<(string Operation, TimeSpan Busy)> WriterByOperation =>
        _writerByOperation.Select(kv => (kv.Key, System.Diagnostics.Stopwatch.GetElapsedTime(0, kv.Value)));

    public Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken ct, [CallerMemberName] string operation = "") =>
        WriteAsync<bool>((c, t) => { work(c, t); return true; }, ct, operation);

    private async Task<SqliteConnection> GetWriterAsync(CancellationToken ct)
    {
        if (_writer is not null)
        {
            return _writer;
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        using (var pragma = connection.CreateCommand())
        {
            // auto_vacuum takes effect only before the first table is made: a new file can give pages back (retention's
            // incremental vacuum); an existing file keeps the mode it was made with (no full VACUUM at start).
            // wal_autocheckpoint=0: the commit that crossed SQLite's 1,000-page mark used to copy the WAL into the file (and
            // fsync it) while holding the write lock; CheckpointAsync does that beside the writer instead.
            pragma.CommandText = $"PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0;";
            await pragma.ExecuteNonQueryAsync(ct);
        }

        _checkpointer = Task.Run(() => CheckpointAsync(_stopping.Token), CancellationToken.None);

        if (_onWriterStatement is not null)
        {
            SQLitePCL.raw.sqlite3_profile(connection.Handle, _onWriterStatement, null);
        }

        _writerCommands = WriterCommandCache.Attach(connection);
        _writer = connection;
        return connection;
    }

    /// <summary>
    /// Checkpoints the WAL on a connection of its own every <see cref="CheckpointEvery"/> when something was committed
    /// since the last time. PASSIVE: it copies what no reader still needs and never waits for readers or the writer, who
    /// go on appending meanwhile; the last connection's close checkpoints the rest.
    /// </summary>
    private async Task CheckpointAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(CheckpointEvery);
        long checkpointed = 0;
        SqliteConnection? connection = null;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var commits = Interlocked.Read(ref _commits);
                if (commits == checkpointed)
                {
                    continue;
                }

                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(_connectionString);
                        await connection.OpenAsync(ct);
                    }

                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    await command.ExecuteNonQueryAsync(ct);
                    checkpointed = commits;
                }
                catch (SqliteException)
                {
                    // Busy, locked or not openable for a moment: the next tick tries again on a new connection (the WAL grows meanwhile).
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Disposing.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Closes the writer once the write in flight (a request's, or a background touch still running while the host stops)
    /// has committed: disposing under it would close the connection and its kept statements mid-transaction.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _writeLock.EnterAsync(urgent: true, CancellationToken.None);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stopping.CancelAsync();
            if (_checkpointer is not null)
            {
                await _checkpointer;
            }

            _stopping.Dispose();
            _writerCommands?.Dispose();
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
            }
        }
        finally
        {
            _writeLock.Exit();
        }
    }
}
