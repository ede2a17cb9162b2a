using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>The embedded file stays bounded: retention gives the pages it frees back (incremental vacuum) on files this version makes.</summary>
public sealed class SqliteRetentionVacuumTests : IDisposable
{
    private static readonly DateTimeOffset Then = new(2020, 1, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-retention-tests", Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task PurgeExpiredAsync_ManyOldTerminalRows_FileShrinksAndNoFreePagesRemain()
    {
        await using var services = Stores.SqliteServices(_path).BuildServiceProvider();
        await services.GetRequiredService<IStoreInitializer>().InitializeAsync(None);
        await SeedCompletedAsync(services, 600);
        var before = Pragma("page_count");

        var removed = await services.GetRequiredService<IRetentionStore>().PurgeExpiredAsync(new RetentionCutoffs(Then.AddDays(1), Then.AddDays(1), 50), None);

        removed.Notifications.ShouldBe(600);
        Pragma("auto_vacuum").ShouldBe(2);
        Pragma("freelist_count").ShouldBe(0);
        Pragma("page_count").ShouldBeLessThan(before / 4);
        removed.PagesFreed.ShouldBe(before - Pragma("page_count"));
    }

    [Fact]
    public async Task PurgeExpiredAsync_FileMadeWithoutAutoVacuum_DeletesAndKeepsFreePagesForReuse()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            // A file made by an earlier build: its first table is made before anyone asked for auto_vacuum.
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);";
            await create.ExecuteNonQueryAsync();
        }

        await using var services = Stores.SqliteServices(_path).BuildServiceProvider();
        await services.GetRequiredService<IStoreInitializer>().InitializeAsync(None);
        await SeedCompletedAsync(services, 200);

        var removed = await services.GetRequiredService<IRetentionStore>().PurgeExpiredAsync(new RetentionCutoffs(Then.AddDays(1), Then.AddDays(1), 50), None);

        removed.Notifications.ShouldBe(200);
        removed.PagesFreed.ShouldBe(0);
        Pragma("auto_vacuum").ShouldBe(0);
        Pragma("freelist_count").ShouldBeGreaterThan(0);
    }

    /// <summary>Completed notifications of about 4 KiB each, made at <see cref="Then"/>.</summary>
    private static async Task SeedCompletedAsync(IServiceProvider services, int count)
    {
        var ingest = services.GetRequiredService<IIngestStore>();
        var plans = services.GetRequiredService<IPlanStore>();
        var data = "{\"text\":\"" + new string('x', 4000) + "\"}";
        var items = Enumerable.Range(0, count).Select(i => new IngestItem([new Notification(Ids.New("ntf", Then.AddMilliseconds(i)), "order.shipped", "u1",
            Priority.Normal, NotificationStatus.Accepted, "order_shipped", 1, null, data, null, null, Then, Then)], null)).ToList();
        await ingest.AcceptAsync(items, Then, None);
        var claimed = await plans.ClaimForPlanningAsync(Priority.Normal, Then, Then.AddSeconds(30), count, None);
        claimed.Count.ShouldBe(count);
        await plans.CompletePlanningAsync([.. claimed.Select(n => new PlanResult(n.Id, [], [new TraceEntry(n.Id, Then, "plan", null, "nothing", "no channel")],
            NotificationStatus.Completed))], Then, None);
    }

    private long Pragma(string name)
    {
        using var c = new SqliteConnection($"Data Source={_path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA " + name;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            try
            {
                File.Delete(f);
            }
            catch (IOException)
            {
                // Left for the OS temp cleanup.
            }
        }
    }
}
