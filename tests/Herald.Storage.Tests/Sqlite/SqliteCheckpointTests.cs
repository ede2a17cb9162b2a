using Herald.Core.Domain;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// The WAL is copied into the database file beside the writer, not by the commit that crosses SQLite's 1,000-page mark
/// under the write lock (issue 19): a few pages written reach the file within a few checkpoint periods while the writer
/// stays open, which SQLite's own auto-checkpoint would leave in the WAL until 1,000 pages.
/// </summary>
public sealed class SqliteCheckpointTests : SqliteFileTest
{
    [Fact]
    public async Task Write_FarBelowTheAutoCheckpointMark_ReachesTheDatabaseFileWhileTheWriterIsOpen()
    {
        // Whatever the schema's creation left in the WAL is checkpointed first.
        await Task.Delay(SqliteDatabase.CheckpointEvery * 5);
        var before = new FileInfo(DatabasePath).Length;
        var reason = new string('r', 4_000);

        await Db.WriteAsync((c, tx) => SqliteRows.TraceAll(c, tx, [.. Enumerable.Range(0, 50).Select(i => new TraceEntry($"ntf_{i}", DateTimeOffset.UnixEpoch, "plan", null, "planned", reason))]),
            CancellationToken.None);

        // About 50 pages of 4 KiB: twenty times below the 1,000 pages at which SQLite would checkpoint by itself.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(DatabasePath).Length < before + (150 * 1024) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        new FileInfo(DatabasePath).Length.ShouldBeGreaterThanOrEqualTo(before + (150 * 1024), "the WAL was checkpointed into the file");
    }
}
