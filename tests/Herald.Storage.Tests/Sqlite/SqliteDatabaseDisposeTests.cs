using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// Disposing the database while a write is in flight (the host stopping under a request's write or a background
/// touch): the write commits first, then the writer closes; a write after that is refused, not run on a closed connection.
/// </summary>
public sealed class SqliteDatabaseDisposeTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-dispose-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_directory, "herald.db");

    [Fact]
    public async Task DisposeAsync_WriteInFlight_WaitsForItsCommit_ThenLaterWritesAreRefused()
    {
        var db = new SqliteDatabase(new SqliteOptions { Path = DbPath });
        await db.WriteAsync((c, t) => Execute(c, t, "CREATE TABLE t (v INTEGER)"), CancellationToken.None);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var write = Task.Run(() => db.WriteAsync((c, t) =>
        {
            Execute(c, t, "INSERT INTO t VALUES (1)");
            inside.Set();
            release.Wait(Wait);
            Execute(c, t, "INSERT INTO t VALUES (2)"); // a statement the writer has not kept yet
        }, CancellationToken.None));
        inside.Wait(Wait).ShouldBeTrue();

        var disposing = db.DisposeAsync().AsTask();
        await Task.Delay(200);
        disposing.IsCompleted.ShouldBeFalse("dispose must wait for the write in flight");
        release.Set();
        await write.WaitAsync(Wait); // committed: the connection was not closed under it
        await disposing.WaitAsync(Wait);

        await Should.ThrowAsync<ObjectDisposedException>(() => db.WriteAsync((c, t) => Execute(c, t, "INSERT INTO t VALUES (3)"), CancellationToken.None));
        await using var read = new SqliteConnection($"Data Source={DbPath}");
        await read.OpenAsync();
        using var count = read.CreateCommand();
        count.CommandText = "SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)";
        (await count.ExecuteScalarAsync()).ShouldBe("1,2");
        await db.DisposeAsync(); // twice is harmless
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
