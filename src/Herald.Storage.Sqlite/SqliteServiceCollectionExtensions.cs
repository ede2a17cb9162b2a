using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Storage.Sqlite;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>Registers the SQLite store (settings under <c>Herald:Storage:Sqlite</c>) for every store port.</summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services)
    {
        services.AddOptions<SqliteOptions>().BindConfiguration("Herald:Storage:Sqlite")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Path), "Herald:Storage:Sqlite:Path must be set").ValidateOnStart();
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteOptions>>().Value));
        services.AddSingleton(sp => new SqliteStore(sp.GetRequiredService<SqliteDatabase>())
        {
            EndpointDisableAfter = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.DisableAfter,
        });
        services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ISettingsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IUserStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ITemplateStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IIngestStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IPlanStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<INotificationQueryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IDispatchStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IFeedStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IWebhookEndpointStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IOutboxStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ITrackingStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IConfirmationStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IQueueStatsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IAnalyticsStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IErasureStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Core.Campaigns.ICampaignStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<Herald.Core.Digests.IDigestStore>(sp => sp.GetRequiredService<SqliteStore>());
        return services;
    }
}
