using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Core.Tests.Pipeline;

/// <summary>A real SQLite store over its own temp file, so tests run in parallel without sharing rows.</summary>
internal sealed class TempSqliteStore : IAsyncDisposable
{
    private readonly string _path;
    private readonly ServiceProvider _services;

    private TempSqliteStore(string path)
    {
        _path = path;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herald:Storage:Sqlite:Path"] = path,
            ["Herald:Storage:Sqlite:Synchronous"] = "NORMAL",
        }).Build();
        _services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSqliteStore().BuildServiceProvider();
    }

    public IIngestStore Ingest => _services.GetRequiredService<IIngestStore>();

    public INotificationQueryStore Queries => _services.GetRequiredService<INotificationQueryStore>();

    public ITemplateStore Templates => _services.GetRequiredService<ITemplateStore>();

    public IUserStore Users => _services.GetRequiredService<IUserStore>();

    public ITemplateLibraryStore Library => _services.GetRequiredService<ITemplateLibraryStore>();

    public Digests.IDigestStore Digests => _services.GetRequiredService<Digests.IDigestStore>();

    public IWebhookEndpointStore Endpoints => _services.GetRequiredService<IWebhookEndpointStore>();

    public static async Task<TempSqliteStore> CreateAsync()
    {
        var temp = new TempSqliteStore(Path.Combine(Path.GetTempPath(), "herald-core-tests", Guid.NewGuid().ToString("N") + ".db"));
        await temp._services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        return temp;
    }

    public static Notification Notification(string id, DateTimeOffset now, string recipient = "u1", Priority priority = Priority.Normal, string? key = null) =>
        new(id, "order.shipped", recipient, priority, NotificationStatus.Accepted, "order_shipped", 1, null, "{}", key, null, now, now);

    public static Delivery Delivery(string id, string notificationId, DateTimeOffset now, Channel channel = Channel.Sms, string recipient = "u1",
        Priority priority = Priority.Normal, string? target = null) =>
        new(id, notificationId, recipient, "order.shipped", channel, priority, target ?? "target-" + id, null, null, DeliveryStatus.Queued, 0, null,
            "{\"body\":\"" + id + "\"}", "hash-" + id, now, null, null, now, now);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        DeleteFiles(_path);
    }

    /// <summary>
    /// The pipeline without its workers over a SQLite file at <paramref name="path"/>, on <paramref name="time"/>; the
    /// caller adds its own senders or workers and builds it.
    /// </summary>
    public static IServiceCollection PipelineServices(string path, TimeProvider time)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Herald:Storage:Sqlite:Path"] = path }).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton(time)
            .AddSqliteStore()
            .AddHeraldPipeline(runWorkers: false);
    }

    /// <summary>Deletes a test database with its WAL and shared-memory files, as far as they can be.</summary>
    public static void DeleteFiles(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                File.Delete(path + suffix);
            }
            catch (IOException)
            {
                // A pooled reader may still hold the file; the temp folder is disposable anyway.
            }
        }
    }
}
