using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

internal static class SqlExtensions
{
    /// <summary>A command for <paramref name="sql"/>: in a write transaction, the writer's kept (prepared) one.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        if (tx is not null && WriterCommandCache.TryGet(connection, sql, tx) is { } kept)
        {
            return kept;
        }

        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    /// <summary>
    /// Runs a one-off command and disposes it. A command left to the finalizer keeps its prepared statement, and its
    /// entry in the connection's command list, which every later dispose on that connection scans: on the long-lived
    /// writer connection that made each statement slower than the last until a GC.
    /// </summary>
    public static int NonQuery(this SqliteCommand command)
    {
        using (command)
        {
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>Runs a one-off query for one value and disposes the command (see <see cref="NonQuery"/>).</summary>
    public static object? Scalar(this SqliteCommand command)
    {
        using (command)
        {
            return command.ExecuteScalar();
        }
    }

    /// <summary>Runs a one-off query for one value and disposes the command (see <see cref="NonQuery"/>).</summary>
    public static async Task<object?> ScalarAsync(this SqliteCommand command, CancellationToken ct)
    {
        await using (command)
        {
            return await command.ExecuteScalarAsync(ct);
        }
    }

    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Reads every row, then disposes the command (one-off; see <see cref="NonQuery"/>).</summary>
    public static List<T> ReadAll<T>(this SqliteCommand command, Func<SqliteDataReader, T> map)
    {
        using var owned = command;
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read())
        {
            list.Add(map(reader));
        }

        return list;
    }

    /// <summary>Reads every row, then disposes the command (one-off; see <see cref="NonQuery"/>).</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this SqliteCommand command, Func<SqliteDataReader, T> map, CancellationToken ct)
    {
        await using var owned = command;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(map(reader));
        }

        return list;
    }
}
