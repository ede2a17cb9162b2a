using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Core.Pipeline.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Storage.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL stores (settings under <c>Herald:Storage:Postgres</c>), one per port family, for every store port.</summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services)
    {
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), $"{PostgresOptions.SectionName}:ConnectionString must be set")
            .ValidateOnStart();
        services.AddSingleton(sp => new PostgresDatabase(sp.GetRequiredService<IOptions<PostgresOptions>>().Value));
        services.AddSingleton(sp => new PostgresStatistics(Db(sp)));
        // One class per port family over the one database object; AddStore registers each under every port it implements.
        services.AddStore(sp => new PostgresSchemaInitializer(Db(sp)));
        services.AddStore(sp => new PostgresSettingsStore(Db(sp)));
        services.AddStore(sp => new PostgresUserStore(Db(sp)));
        services.AddStore(sp => new PostgresTemplateStore(Db(sp)));
        services.AddStore(sp => new PostgresTemplateLibraryStore(Db(sp)));
        services.AddStore(sp => new PostgresIngestStore(Db(sp)));
        services.AddStore(sp => new PostgresPlanStore(Db(sp)));
        services.AddStore(sp => new PostgresDispatchStore(Db(sp), sp.GetRequiredService<IOptions<WebhookOptions>>().Value.DisableAfter));
        services.AddStore(sp => new PostgresRelayStore(Db(sp)));
        services.AddStore(sp => new PostgresFeedStore(Db(sp)));
        services.AddStore(sp => new PostgresTrackingStore(Db(sp)));
        services.AddStore(sp => new PostgresEndpointStore(Db(sp)));
        services.AddStore(sp => new PostgresOutboxStore(Db(sp)));
        services.AddStore(sp => new PostgresConfirmationStore(Db(sp)));
        services.AddStore(sp => new PostgresCampaignStore(Db(sp)));
        services.AddStore(sp => new PostgresDigestStore(Db(sp)));
        services.AddStore(sp => new PostgresAnalyticsStore(Db(sp)));
        services.AddStore(sp => new PostgresRetentionStore(Db(sp)));
        services.AddStore(sp => new PostgresCoordinationStore(Db(sp)));
        services.AddStore(sp => new PostgresAuditStore(Db(sp)));
        services.AddStore(sp => new PostgresAppStore(Db(sp)));
        services.TryAddSingleton<ClusterSignalHandlers>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<Herald.Core.Observability.HeraldMetrics>();
        services.AddSingleton<PostgresClusterSignals>();
        services.AddSingleton<IClusterSignals>(sp => sp.GetRequiredService<PostgresClusterSignals>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresClusterSignals>());
        return services;
    }

    private static PostgresDatabase Db(IServiceProvider sp) => sp.GetRequiredService<PostgresDatabase>();
}
