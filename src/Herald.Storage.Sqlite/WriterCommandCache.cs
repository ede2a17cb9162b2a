using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Prepared statements for the one writer connection, kept by SQL text. Every write is serialized through that
/// connection, so the time spent parsing the same INSERT for every trace row or gate query is time no other write can
/// use; with the statements kept, each is parsed once per process. Only the writer has a cache (it is used under the
/// write lock, one caller at a time); read connections are pooled and prepare as before.
/// </summary>
internal sealed class WriterCommandCache : IDisposable
{
    /// <summary>More distinct statements than this (SQL built with a varying IN list, say) are not kept.</summary>
    private const int MaxStatements = 256;

    private static readonly ConditionalWeakTable<SqliteConnection, WriterCommandCache> Caches = new();

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, CachedCommand> _commands = new(StringComparer.Ordinal);

    private WriterCommandCache(SqliteConnection connection) => _connection = connection;

    public static WriterCommandCache Attach(SqliteConnection connection)
    {
        var cache = new WriterCommandCache(connection);
        Caches.AddOrUpdate(connection, cache);
        return cache;
    }

    /// <summary>The kept command for <paramref name="sql"/> on a connection with a cache, parameters cleared; null otherwise.</summary>
    public static SqliteCommand? TryGet(SqliteConnection connection, string sql, SqliteTransaction tx) =>
        Caches.TryGetValue(connection, out var cache) ? cache.Get(sql, tx) : null;

    private CachedCommand? Get(string sql, SqliteTransaction tx)
    {
        if (_commands.TryGetValue(sql, out var command))
        {
            command.Parameters.Clear();
            command.Transaction = tx;
            return command;
        }

        if (_commands.Count >= MaxStatements)
        {
            return null;
        }

        command = new CachedCommand(sql, _connection, tx);
        _commands[sql] = command;
        return command;
    }

    public void Dispose()
    {
        Caches.Remove(_connection);
        foreach (var command in _commands.Values)
        {
            command.Release();
        }

        _commands.Clear();
    }

    /// <summary>A command whose Dispose (from the callers' <c>using</c>) keeps it for the next caller.</summary>
    private sealed class CachedCommand(string sql, SqliteConnection connection, SqliteTransaction tx) : SqliteCommand(sql, connection, tx)
    {
        private bool _released;

        public void Release()
        {
            _released = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (_released)
            {
                base.Dispose(disposing);
            }
        }
    }
}
