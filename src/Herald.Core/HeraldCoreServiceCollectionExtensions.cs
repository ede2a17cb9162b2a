using Herald.Core.Channels;
using Herald.Core.Dispatch;
using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Ingest;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Planning;
using Herald.Core.Settlement;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Herald.Core.Tracking;
using Herald.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Core;

public static class HeraldCoreServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline (ingest, plan, render, gate, dispatch, track) and its channels. Needs the store ports registered
    /// separately (for example by AddSqliteStore). <paramref name="runWorkers"/> false gives an API-only process.
    /// </summary>
    public static IServiceCollection AddHeraldPipeline(this IServiceCollection services, bool runWorkers = true) =>
        services.AddHeraldPipeline(new PipelineHosting(runWorkers, runWorkers, Distributed: false));

    /// <summary>
    /// The pipeline with explicit roles. In-process mode: any background role runs planner, lanes and sweeper (one
    /// process owns the store). Distributed mode (a work transport is registered): the worker role plans and consumes
    /// the transport's lanes; the scheduler role relays due work to the transport and sweeps expired leases.
    /// </summary>
    public static IServiceCollection AddHeraldPipeline(this IServiceCollection services, PipelineHosting hosting)
    {
        ArgumentNullException.ThrowIfNull(hosting);
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName)
            .Validate(o => o.Lease > TimeSpan.Zero && o.ClaimBatch > 0 && o.LaneConcurrency > 0, "Herald:Pipeline: Lease, ClaimBatch and LaneConcurrency must be positive")
            .Validate(o => o.MaxLookUps > 0 && o.LookUpRetryDelay > TimeSpan.Zero, "Herald:Pipeline: MaxLookUps and LookUpRetryDelay must be positive")
            .Validate(o => o.RateLimits.Values.All(v => TryParse(() => RateLimit.Parse(v))), "Herald:Pipeline:RateLimits entries must look like 10/1h")
            .Validate(o => TryParse(() => Retries.RetrySchedule.Parse(o.RetrySchedule)), "Herald:Pipeline:RetrySchedule must look like 1s,5s,30s")
            .Validate(o => o.UrgentCeilings.Values.All(v => TryParse(() => RateLimit.ParseOptional(v))), "Herald:Pipeline:UrgentCeilings entries must look like 10/1h, or none")
            .Validate(o => o.FallbackAfterValid(), "Herald:Pipeline:FallbackAfter keys must be a priority or priority.channel (urgent, urgent.sms) and values from 0 to 1 day")
            .Validate(o => o.DedupWindow >= TimeSpan.Zero && o.DedupWindow <= Templates.TemplateDedup.MaxWindow, "Herald:Pipeline:DedupWindow must be from 0 (off) to 1 day")
            .Validate<IOptions<WebhookOptions>>((o, w) => o.Lease > w.Value.Timeout,
                "Herald:Pipeline:Lease must be longer than Herald:Webhooks:Timeout, or the sweeper would take over sends still in flight")
            .ValidateOnStart();
        services.AddOptions<Devices.DeviceOptions>().BindConfiguration(Devices.DeviceOptions.SectionName)
            .Validate(o => o.StaleAfter > TimeSpan.Zero && o.PruneInterval > TimeSpan.Zero, "Herald:Devices: StaleAfter and PruneInterval must be positive")
            .ValidateOnStart();
        services.AddOptions<Retention.RetentionOptions>().BindConfiguration(Retention.RetentionOptions.SectionName)
            .Validate(o => o.Interval > TimeSpan.Zero && o.Notifications > TimeSpan.Zero && o.Feed > TimeSpan.Zero && o.Audit > TimeSpan.Zero && o.BatchSize > 0,
                "Herald:Retention: Interval, Notifications, Feed, Audit and BatchSize must be positive")
            .ValidateOnStart();
        services.AddOptions<TemplateRenderOptions>().BindConfiguration(TemplateRenderOptions.SectionName)
            .Validate(o => o.MaxSteps > 0 && o.MaxOutputChars > 0 && o.Timeout > TimeSpan.Zero && o.MaxPartialDepth is > 0 and <= 100,
                "Herald:Templates: MaxSteps, MaxOutputChars and Timeout must be positive, MaxPartialDepth from 1 to 100")
            .ValidateOnStart();
        services.AddWebhookOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PipelineOptionsAccessor>();
        services.AddSingleton<Signals>();
        services.TryAddSingleton<Pipeline.Cluster.ClusterSignalHandlers>();
        services.TryAddSingleton<Pipeline.Cluster.IClusterSignals, Pipeline.Cluster.InProcessClusterSignals>();
        services.AddHostedService<Pipeline.Cluster.ClusterSignalRouter>();
        services.AddMetrics();
        services.TryAddSingleton<HeraldMetrics>();
        services.AddSingleton<WorkerHealth>();
        services.AddSingleton<TemplateRenderer>();
        services.AddSingleton<TemplateCatalog>();
        services.AddSingleton<TemplateLibraries>();
        services.AddSingleton<TemplatePromotion>();
        services.AddSingleton<Planner>();
        services.AddSingleton<IDispatchGate, DeliveryGate>();
        services.AddSingleton<Settler>();
        services.AddSingleton<Fallbacks>();
        services.AddSingleton<TrackingApplier>();
        services.AddSingleton<Tracker>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddSingleton<Lifecycle.OperationalSubscribers>();
        services.AddSingleton<Lifecycle.LifecycleEmitter>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<Campaigns.CampaignService>();
        services.AddSingleton<Digests.DigestRules>();
        services.AddSingleton<GroupCommitter>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupCommitter>());
        services.AddSingleton<IChannelSender, InAppSender>();
        foreach (var channel in new[] { Channel.Email, Channel.Sms, Channel.Push })
        {
            services.AddSingleton<IChannelSender>(sp => new CaptureSender(channel, sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<TimeProvider>()));
        }

        if (hosting.Distributed)
        {
            services.AddSingleton<Transport.PartitionOwnership>();
            if (hosting.Worker)
            {
                services.AddHostedService<PlannerWorker>();
                services.AddHostedService<Dispatch.Distributed.WorkerMembershipWorker>();
                services.AddHostedService<Dispatch.Distributed.TransportLaneWorker>();
            }

            if (hosting.Scheduler)
            {
                services.AddHostedService<Dispatch.Distributed.RelayWorker>();
                services.AddHostedService<Campaigns.CampaignReleaser>();
                services.AddHostedService<Digests.DigestCloser>();
                services.AddHostedService<Devices.DevicePruner>();
                services.AddSingleton<Sweeper>();
                services.AddHostedService(sp => sp.GetRequiredService<Sweeper>());
                services.AddHostedService<ConfirmationWorker>();
                services.AddHostedService<Retention.RetentionWorker>();
            }
        }
        else if (hosting.Worker || hosting.Scheduler)
        {
            services.AddHostedService<PlannerWorker>();
            services.AddHostedService<LaneWorker>();
            services.AddHostedService<Campaigns.CampaignReleaser>();
            services.AddHostedService<Digests.DigestCloser>();
            services.AddHostedService<Devices.DevicePruner>();
            services.AddSingleton<Sweeper>();
            services.AddHostedService(sp => sp.GetRequiredService<Sweeper>());
            services.AddHostedService<ConfirmationWorker>();
            services.AddHostedService<Retention.RetentionWorker>();
        }

        return services;
    }

    private static bool TryParse(Action parse)
    {
        try
        {
            parse();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Which background parts this process runs, and whether work travels through a transport between processes.</summary>
public sealed record PipelineHosting(bool Worker, bool Scheduler, bool Distributed);
