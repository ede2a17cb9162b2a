using Herald.Core.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herald.Storage.Tests.Infrastructure;

/// <summary>
/// A fresh, initialized store of one engine; disposing it removes its data. Its ports come from the engine's
/// registration (one store class per port family), as the server resolves them.
/// </summary>
public sealed class StoreHandle(Func<Type, object?> ports, Func<ValueTask> dispose, Func<Task<StoreHandle>>? openPeer = null) : IAsyncDisposable
{
    /// <summary>The PostgreSQL store's database (null for SQLite), for tests of what sits beside the store.</summary>
    public PostgresDatabase? Postgres { get; init; }

    public T Port<T>() where T : class =>
        ports(typeof(T)) as T ?? throw new InvalidOperationException($"the engine's registration has no {typeof(T).Name}");

    public IUserStore Users => Port<IUserStore>();

    public ITemplateStore Templates => Port<ITemplateStore>();

    public IIngestStore Ingest => Port<IIngestStore>();

    public IPlanStore Plans => Port<IPlanStore>();

    public INotificationQueryStore Queries => Port<INotificationQueryStore>();

    public IDispatchStore Dispatch => Port<IDispatchStore>();

    public IFeedStore Feed => Port<IFeedStore>();

    public IWebhookEndpointStore Endpoints => Port<IWebhookEndpointStore>();

    public IOutboxStore Outbox => Port<IOutboxStore>();

    public ITrackingStore Tracking => Port<ITrackingStore>();

    public ISettingsStore Settings => Port<ISettingsStore>();

    public IApiKeyStore ApiKeys => Port<IApiKeyStore>();

    public IAnalyticsStore Analytics => Port<IAnalyticsStore>();

    /// <summary>
    /// Another store over the same data, as a second process would open it (its own connection pool on PostgreSQL).
    /// The embedded engine has one process, so its peer is this store. Disposing a peer leaves the data.
    /// </summary>
    public Task<StoreHandle> OpenPeerAsync() => openPeer?.Invoke() ?? Task.FromResult(new StoreHandle(ports, () => ValueTask.CompletedTask));

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>How the contract suites get a store of each engine.</summary>
public static class Stores
{
    public static async Task<StoreHandle> SqliteAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "herald-store-tests", Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var services = SqliteServices(path).BuildServiceProvider();
        await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        return new StoreHandle(services.GetService, async () =>
        {
            await services.DisposeAsync();
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
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
        });
    }

    /// <summary>The embedded engine's registration (<see cref="SqliteServiceCollectionExtensions.AddSqliteStore"/>) over the file at <paramref name="path"/>.</summary>
    public static IServiceCollection SqliteServices(string path) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Herald:Storage:Sqlite:Path"] = path,
                ["Herald:Storage:Sqlite:Synchronous"] = "NORMAL",
            }).Build())
            .AddSqliteStore();

    // Migrated once per test run, then copied for each store: a copy takes a fraction of a fresh database's migrations
    // (about 450 ms a store alone, several seconds under the suite's parallel load). The schema tests migrate their own.
    private static readonly Lazy<Task<string>> MigratedTemplate = new(CreateTemplateAsync);

    private static async Task<string> CreateTemplateAsync()
    {
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_tpl");
        await using (var services = PostgresServices(connection))
        {
            await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        }

        var name = new NpgsqlConnectionStringBuilder(connection).Database!;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                using var admin = new NpgsqlConnection(Herald.Testing.ExternalServices.PostgresConnectionString);
                admin.Open();
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                drop.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // The run's PostgreSQL is gone already (scripts/test removes it with its folder).
            }
        };
        return name;
    }

    /// <summary>
    /// A fresh database on the test server (HERALD_TEST_POSTGRES, started by scripts/test), migrated (a copy of one
    /// migrated once per run), dropped afterwards. Its ports come from the engine's registration, as the server resolves them.
    /// </summary>
    public static async Task<StoreHandle> PostgresAsync()
    {
        var server = Herald.Testing.ExternalServices.PostgresConnectionString;
        var connection = Herald.Testing.ExternalServices.NewDatabase("herald_t", await MigratedTemplate.Value);
        var name = new NpgsqlConnectionStringBuilder(connection).Database;
        var services = PostgresServices(connection);
        var db = services.GetRequiredService<PostgresDatabase>();
        await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        return new StoreHandle(services.GetService, async () =>
        {
            await services.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }, () =>
        {
            // A data source has its own pool: the peer shares no connection with the first store.
            var peer = PostgresServices(connection);
            return Task.FromResult(new StoreHandle(peer.GetService, peer.DisposeAsync));
        })
        { Postgres = db };
    }

    /// <summary>The PostgreSQL stores as <see cref="PostgresServiceCollectionExtensions.AddPostgresStore"/> registers them, over <paramref name="connection"/>.</summary>
    public static ServiceProvider PostgresServices(string connection)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new($"{PostgresOptions.SectionName}:{nameof(PostgresOptions.ConnectionString)}", connection)]).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddPostgresStore().BuildServiceProvider();
    }
}
