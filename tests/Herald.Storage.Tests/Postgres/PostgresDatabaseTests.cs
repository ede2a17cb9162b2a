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

    [Theory]
    [InlineData("Host=db;Username=u;Database=d", true)]
    [InlineData("Host=db;Username=u;Database=d;No Reset On Close=false", false)]
    [InlineData("Host=db;Username=u;Database=d;noresetonclose=true", true)]
    public void Settings_NoResetOnClose_UnlessGiven(string configured, bool expected) =>
        new NpgsqlConnectionStringBuilder(PostgresDatabase.Settings(configured)).NoResetOnClose.ShouldBe(expected);

    [Fact]
    public async Task Source_ConnectionBackFromThePool_NotReset_AnOpenTransactionStillRolledBack()
    {
        // One physical connection: what the first use leaves is what the second finds. A session setting survives (no
        // RESET ALL ran), a transaction left open does not (Npgsql rolls it back on return, reset or not).
        await using var s = await Stores.PostgresAsync();
        var single = new NpgsqlConnectionStringBuilder(s.Postgres!.Options.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using var db = new PostgresDatabase(new PostgresOptions { ConnectionString = single });
        await using (var first = await db.OpenAsync(CancellationToken.None))
        {
            await using var set = new NpgsqlCommand("SELECT set_config('herald.probe', 'kept', false)", first);
            await set.ExecuteNonQueryAsync();
            var tx = await first.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand("CREATE TABLE reset_probe(x int)", first, tx);
            await insert.ExecuteNonQueryAsync();
        }

        await using var second = await db.OpenAsync(CancellationToken.None);
        await using var read = new NpgsqlCommand("SELECT current_setting('herald.probe', true), to_regclass('reset_probe') IS NULL", second);
        await using var reader = await read.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("kept", "the pool did not reset the session (RESET ALL would have cleared it)");
        reader.GetBoolean(1).ShouldBeTrue("the transaction left open was rolled back");
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
