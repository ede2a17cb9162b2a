using System.Diagnostics.Metrics;
using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Storage.Sqlite;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite stores (settings under <c>Herald:Storage:Sqlite</c>): one class per port family over one shared
    /// <see cref="SqliteDatabase"/>, each resolved for every store port it implements (<see cref="StoreRegistration.AddStore"/>).
    /// </summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services)
    {
        services.AddOptions<SqliteOptions>().BindConfiguration("Herald:Storage:Sqlite")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Path), "Herald:Storage:Sqlite:Path must be set").ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var db = new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteOptions>>().Value);
            if (sp.GetService<HeraldMetrics>() is { } metrics)
            {
                // The single writer's busy time: its share of a period is how close the embedded mode is to its serial limit.
                metrics.Meter.CreateObservableCounter("herald.sqlite.writer.busy", () => db.Writer.Busy.TotalSeconds, "s",
                    "Time the SQLite write lock was held (work, commit and fsync): its rate is the single writer's busy share.");
                metrics.Meter.CreateObservableCounter("herald.sqlite.writer.commit", () => db.Writer.Committing.TotalSeconds, "s",
                    "Time the SQLite writer spent committing (with synchronous=FULL, mostly the WAL's fsync), part of the busy time.");
                metrics.Meter.CreateObservableCounter("herald.sqlite.writer.transactions", () => db.Writer.Transactions,
                    description: "Write transactions run by the single SQLite writer.");
                metrics.Meter.CreateObservableCounter("herald.sqlite.writer.operation.busy",
                    () => db.WriterByOperation.Select(x => new Measurement<double>(x.Busy.TotalSeconds, new KeyValuePair<string, object?>("operation", x.Operation))), "s",
                    "Time the SQLite write lock was held, by the store method that held it (a bounded set: the methods that write).");
            }

            return db;
        });
        return services
            .AddStore(sp => new SqliteSchemaInitializer(Db(sp)))
            .AddStore(sp => new SqliteSettingsStore(Db(sp)))
            .AddStore(sp => new SqliteUserStore(Db(sp)))
            .AddStore(sp => new SqliteTemplateStore(Db(sp)))
            .AddStore(sp => new SqliteTemplateLibraryStore(Db(sp)))
            .AddStore(sp => new SqliteNotificationStore(Db(sp)))
            .AddStore(sp => new SqlitePlanStore(Db(sp)))
            .AddStore(sp => new SqliteDispatchStore(Db(sp), sp.GetRequiredService<IOptions<WebhookOptions>>().Value.DisableAfter))
            .AddStore(sp => new SqliteFeedStore(Db(sp)))
            .AddStore(sp => new SqliteEndpointStore(Db(sp)))
            .AddStore(sp => new SqliteOutboxStore(Db(sp)))
            .AddStore(sp => new SqliteTrackingStore(Db(sp)))
            .AddStore(sp => new SqliteConfirmationStore(Db(sp)))
            .AddStore(sp => new SqliteAnalyticsStore(Db(sp)))
            .AddStore(sp => new SqliteRetentionStore(Db(sp)))
            .AddStore(sp => new SqliteCampaignStore(Db(sp)))
            .AddStore(sp => new SqliteDigestStore(Db(sp)))
            .AddStore(sp => new SqliteAuditStore(Db(sp)))
            .AddStore(sp => new SqliteAppStore(Db(sp)));
    }

    private static SqliteDatabase Db(IServiceProvider sp) => sp.GetRequiredService<SqliteDatabase>();
}
