using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>The same small helpers as the SQLite store's, so both stores read alike. Parameters are named <c>@x</c>.</summary>
internal static class PgSql
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? tx = null) => new(sql, connection, tx);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name.TrimStart('@', '$'), value ?? DBNull.Value);
        return command;
    }

    public static async Task<List<T>> ReadAllAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ReadAllAsync(reader, map, ct);
    }

    /// <summary>The rows of the batch's one row-returning statement (statements without rows, such as SET, are skipped).</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this NpgsqlBatch batch, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await ReadAllAsync(reader, map, ct);
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        var list = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(map(reader));
        }

        return list;
    }
}
