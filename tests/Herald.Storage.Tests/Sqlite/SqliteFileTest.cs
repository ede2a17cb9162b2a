using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>A test over one new SQLite file with Herald's schema, deleted afterwards: for tests of the database object itself.</summary>
public abstract class SqliteFileTest : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-sqlite-tests", Guid.NewGuid().ToString("N"));

    protected SqliteDatabase Db { get; private set; } = null!;

    protected string DatabasePath => Path.Combine(_directory, "herald.db");

    public async Task InitializeAsync()
    {
        Db = new SqliteDatabase(new SqliteOptions { Path = DatabasePath });
        await new SqliteSchemaInitializer(Db).InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
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
}
