using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Core.Pipeline.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Storage.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL store (settings under <c>Herald:Storage:Postgres</c>) for every store port.</summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services)
    {
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), $"{PostgresOptions.SectionName}:ConnectionString must be set")
            .ValidateOnStart();
        services.AddSingleton(sp => new PostgresDatabase(sp.GetRequiredService<IOptions<PostgresOptions>>().Value));
        services.AddSingleton(sp => new PostgresStore(sp.GetRequiredService<PostgresDatabase>())
        {
            EndpointDisableAfter = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.DisableAfter,
        });
        services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<ISettingsStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IUserStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<ITemplateStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IIngestStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IPlanStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<INotificationQueryStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IDispatchStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IFeedStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IWebhookEndpointStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IOutboxStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<ITrackingStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IConfirmationStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IQueueStatsStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IAnalyticsStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IErasureStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<Herald.Core.Campaigns.ICampaignStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<Herald.Core.Digests.IDigestStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IWorkRelayStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IProviderBucketStore>(sp => sp.GetRequiredService<PostgresStore>());
        services.AddSingleton<IWorkerRegistry>(sp => sp.GetRequiredService<PostgresStore>());
        services.TryAddSingleton<ClusterSignalHandlers>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<Herald.Core.Observability.HeraldMetrics>();
        services.AddSingleton<PostgresClusterSignals>();
        services.AddSingleton<IClusterSignals>(sp => sp.GetRequiredService<PostgresClusterSignals>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresClusterSignals>());
        return services;
    }
}
