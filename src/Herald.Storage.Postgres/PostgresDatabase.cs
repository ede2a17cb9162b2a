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
    }

    public NpgsqlDataSource Source { get; }

    public PostgresOptions Options { get; }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => await Source.OpenConnectionAsync(ct);

    /// <summary>Runs <paramref name="work"/> in one READ COMMITTED transaction and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var c = await Source.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var result = await work(c, tx);
        await tx.CommitAsync(ct);
        return result;
    }

    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken ct) =>
        WriteAsync<bool>(async (c, t) => { await work(c, t); return true; }, ct);

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
