using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Herald.Providers.Routing;
using Herald.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.Server.Api;

/// <summary>
/// The checks behind /readyz, registered with ASP.NET Core's health checks: the store, the work transport, each background
/// worker this process is expected to run, and each routed provider's circuit. A description is what /readyz shows for
/// the check, so none may carry an exception message (/readyz is anonymous, and such messages name hosts, ports and users).
/// </summary>
internal static partial class ReadinessChecks
{
    private static readonly string[] InProcess = ["planner", "lanes", "sweeper"];
    private static readonly string[] DistributedWorker = ["planner", "lanes"];
    private static readonly string[] DistributedScheduler = ["relay", "sweeper"];

    public static IServiceCollection AddHeraldReadinessChecks(this IServiceCollection services, HeraldRoles roles, HeraldEngines engines)
    {
        var checks = services.AddHealthChecks().AddCheck<StoreCheck>("store");
        _ = engines.RabbitMq
            ? checks.AddCheck<TransportCheck>("transport")
            : checks.AddCheck("transport", () => HealthCheckResult.Healthy("ok (in-process)"));
        var workers = engines.RabbitMq
            ? (roles.Worker ? DistributedWorker : []).Concat(roles.Scheduler ? DistributedScheduler : [])
            : roles.Worker || roles.Scheduler ? InProcess : [];
        foreach (var name in workers)
        {
            checks.Add(new HealthCheckRegistration(name, sp => new WorkerCheck(sp.GetRequiredService<WorkerHealth>(), name), failureStatus: null, tags: null));
        }

        // The routed providers are known once the registry is built from configuration.
        services.AddOptions<HealthCheckServiceOptions>().Configure<ProviderRegistry>((o, registry) =>
        {
            foreach (var route in registry.Routers.Values.SelectMany(r => r.Routes).DistinctBy(r => r.Name))
            {
                o.Registrations.Add(new HealthCheckRegistration($"provider:{route.Name}", _ => new CircuitCheck(route), failureStatus: null, tags: null));
            }
        });
        return services;
    }

    private sealed class StoreCheck(IApiKeyStore store, HeraldEngines engines, StoreStartup startup, ILoggerFactory loggers) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var engine = engines.Postgres ? "postgres" : "sqlite";
            if (!startup.Ready)
            {
                return HealthCheckResult.Unhealthy($"failing ({engine}): {startup.Failure}");
            }

            try
            {
                await store.CountApiKeysAsync(cancellationToken);
                return HealthCheckResult.Healthy($"ok ({engine})");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The exception goes to the log only (see the class remarks).
                LogStoreCheckFailed(loggers.CreateLogger("Herald.Health"), ex);
                return HealthCheckResult.Unhealthy($"failing ({engine}): unavailable");
            }
        }
    }

    /// <summary>RabbitMQ's connection; it logs why it is down, the answer only says that it is.</summary>
    private sealed class TransportCheck(IWorkTransport transport) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(transport.Health.Ready ? HealthCheckResult.Healthy("ok (rabbitmq)") : HealthCheckResult.Unhealthy("failing (rabbitmq): unreachable"));
    }

    private sealed class WorkerCheck(WorkerHealth workers, string name) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(workers.HasStarted(name) ? HealthCheckResult.Healthy("ok") : HealthCheckResult.Unhealthy("not started"));
    }

    /// <summary>
    /// An open or half-open circuit degrades the process but does not fail it: the router fails over, and a load balancer
    /// that took the process out would only move the same provider's outage to another one.
    /// </summary>
    private sealed class CircuitCheck(ProviderRoute route) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(route.IsOpen || route.State == "half_open"
                ? HealthCheckResult.Degraded($"degraded (circuit {route.State})")
                : HealthCheckResult.Healthy($"ok (circuit {route.State})"));
    }

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "The /readyz store check failed")]
    private static partial void LogStoreCheckFailed(ILogger logger, Exception exception);
}
