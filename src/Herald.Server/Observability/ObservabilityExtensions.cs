using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Core.Observability;
using Herald.Providers.Routing;
using Herald.Server.Hosting;
using Microsoft.Extensions.Logging.Console;

namespace Herald.Server.Observability;

internal static class ObservabilityExtensions
{
    private static readonly string[] CircuitStates = ["closed", "open", "half_open", "isolated"];

    /// <summary>
    /// Masked JSON console logs, metrics for /metrics, OpenTelemetry export when configured (<see cref="Tracing"/>), and
    /// the queue gauges where this process runs the scheduler role.
    /// </summary>
    public static WebApplicationBuilder AddHeraldObservability(this WebApplicationBuilder builder, HeraldRoles roles)
    {
        builder.Logging.AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = JsonLogFormatter.Name);
        builder.Services.AddSingleton<MetricsCollector>();
        builder.Services.AddHeraldOpenTelemetry(builder.Configuration);
        if (roles.Scheduler)
        {
            var interval = builder.Configuration.GetValue("Herald:Metrics:QueueInterval", TimeSpan.FromSeconds(5));
            builder.Services.AddSingleton(sp => new QueueGauges(sp.GetRequiredService<Core.Storage.IQueueStatsStore>(), sp.GetRequiredService<HeraldMetrics>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<QueueGauges>>()) { Interval = interval });
            builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueGauges>());
        }

        return builder;
    }

    /// <summary>
    /// Starts listening (measurements before this are not counted) and adds the per-provider circuit gauge.
    /// </summary>
    public static void StartHeraldTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<MetricsCollector>();
        var routes = app.Services.GetRequiredService<ProviderRegistry>().Routers.Values.SelectMany(r => r.Routes).ToList();
        app.Services.GetRequiredService<HeraldMetrics>().Meter.CreateObservableGauge("herald.provider.circuit.state",
            () => routes.SelectMany(r => CircuitStates.Select(s => new Measurement<int>(r.State == s ? 1 : 0, new TagList { { "provider", r.Name }, { "state", s } }))),
            description: "1 for the provider's current circuit state (closed, open, half_open, isolated), 0 for the others.");
    }

    public static void MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", (MetricsCollector metrics) => TypedResults.Text(metrics.Scrape(), PrometheusText.ContentType))
            .WithTags("Health").Produces(200, contentType: "text/plain");
}
