using Herald.Storage.Postgres;
using Herald.Storage.Tests.Infrastructure;
using Npgsql;

namespace Herald.Storage.Tests.Postgres;

/// <summary>The pool's settings: hot statements are prepared unless the operator says otherwise.</summary>
public sealed class PostgresDatabaseTests
{
    [Theory]
    [InlineData("Host=db;Username=u;Database=d", 128)]
    [InlineData("Host=db;Username=u;Database=d;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Username=u;Database=d;maxautoprepare=7", 7)]
    [InlineData("Host=db;Username=u;Database=d;Max Auto Prepare=300", 300)]
    public void Settings_MaxAutoPrepare_128UnlessGiven(string configured, int expected)
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgresDatabase.Settings(configured));

        settings.MaxAutoPrepare.ShouldBe(expected);
        settings.Timezone.ShouldBe("UTC");
        settings.Host.ShouldBe("db");
    }

    [Fact]
    public async Task Source_StatementRunRepeatedly_IsPreparedOnItsConnection()
    {
        await using var s = await Stores.PostgresAsync();
        await using var connection = await s.Postgres!.Source.OpenConnectionAsync();
        for (var i = 0; i < 6; i++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM notifications WHERE id = ANY(@ids)", connection);
            command.Parameters.AddWithValue("ids", new[] { "ntf_" + i });
            (await command.ExecuteScalarAsync()).ShouldBe(0L);
        }

        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM notifications WHERE id = ANY%'", connection);
        ((long)(await prepared.ExecuteScalarAsync())!).ShouldBe(1L);
    }

    [Fact]
    public async Task WriteAsync_ParameterFailsWhileTheStatementIsBeingPrepared_TheSameStatementRunsAfterwards()
    {
        await using var s = await Stores.PostgresAsync();
        // One connection, so every write below reuses the connection whose preparation the failure interrupted.
        var single = new NpgsqlConnectionStringBuilder(s.Postgres!.Options.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = single });
        // A batch as the feed insert sends it: a lock first, then the statement whose array parameter may fail.
        Task<object> Run(string value) => db.WriteAsync(async (c, tx) =>
        {
            await using var batch = new NpgsqlBatch(c, tx);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(42)"));
            var length = new NpgsqlBatchCommand("SELECT length(array_to_string(@v, ''))");
            length.Parameters.AddWithValue("v", new[] { value });
            batch.BatchCommands.Add(length);
            await using var reader = await batch.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            return reader.GetValue(0);
        }, CancellationToken.None);

        for (var i = 0; i < 4; i++)
        {
            (await Run("ok")).ShouldBe(2); // below the auto-prepare threshold (5 uses)
        }

        // The fifth use is the one Npgsql prepares; the lone surrogate fails while the batch is being written, after the
        // lock statement went out.
        await Should.ThrowAsync<Herald.Core.Storage.StoreDataException>(() => Run("a\ud800b"));

        (await Run("fine")).ShouldBe(4);
        (await Run("fine")).ShouldBe(4);
    }
}
