using Herald.Core.Observability;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Herald.Server.Observability;

/// <summary>
/// OpenTelemetry through <c>OpenTelemetry.Extensions.Hosting</c> (the providers live in the container, start with the
/// host and are flushed when it stops):
/// <list type="bullet">
/// <item>traces: Herald's spans (API request, ingest, plan, publish, deliver, provider call) and those of the ASP.NET Core,
/// HttpClient and Npgsql instrumentations, over OTLP when <c>Herald:Tracing:OtlpEndpoint</c> (or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set;</item>
/// <item>metrics: Herald's meter and the ASP.NET Core, HttpClient and Npgsql ones, over OTLP when
/// <c>Herald:Metrics:OtlpEndpoint</c> is set (off by default: /metrics is the primary, pull-based exposition).</item>
/// </list>
/// Without an endpoint nothing of that kind is registered: no span is sampled and nothing is stored.
/// </summary>
internal static class Tracing
{
    public static IServiceCollection AddHeraldOpenTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var traces = configuration["Herald:Tracing:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var metrics = configuration["Herald:Metrics:OtlpEndpoint"];
        if (string.IsNullOrWhiteSpace(traces) && string.IsNullOrWhiteSpace(metrics))
        {
            return services;
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(configuration["Herald:Tracing:ServiceName"] ?? "herald"));
        if (!string.IsNullOrWhiteSpace(traces))
        {
            var protocol = Protocol(configuration["Herald:Tracing:Protocol"]);
            otel.WithTracing(t => t
                .AddSource(HeraldTracing.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .SetSampler(Sampler(configuration))
                .AddOtlpExporter(o => (o.Protocol, o.Endpoint) = (protocol, Endpoint(traces, protocol, "/v1/traces"))));
        }

        if (!string.IsNullOrWhiteSpace(metrics))
        {
            var protocol = Protocol(configuration["Herald:Metrics:OtlpProtocol"]);
            otel.WithMetrics(m => m
                .AddMeter(HeraldMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddOtlpExporter(o => (o.Protocol, o.Endpoint) = (protocol, Endpoint(metrics, protocol, "/v1/metrics"))));
        }

        return services;
    }

    /// <summary>
    /// The ratio of <c>Herald:Tracing:SampleRatio</c> decides for a trace that starts here and for one continued from a
    /// caller's traceparent; the caller's sampled flag counts only with <c>Herald:Tracing:TrustIncomingSampling</c>.
    /// </summary>
    /// <remarks>
    /// Any client may send a traceparent, authenticated or not, so honouring its flag lets anyone make Herald record and
    /// export every span of every request (cost, and a lever on the collector). The trace id is still continued, and the
    /// ratio sampler decides by trace id, so every Herald process (API, workers) reaches the same decision for one trace.
    /// Spans inside the process follow their local parent as before.
    /// </remarks>
    internal static Sampler Sampler(IConfiguration configuration)
    {
        var root = new TraceIdRatioBasedSampler(configuration.GetValue("Herald:Tracing:SampleRatio", 1.0));
        return configuration.GetValue("Herald:Tracing:TrustIncomingSampling", false)
            ? new ParentBasedSampler(root)
            : new ParentBasedSampler(root, remoteParentSampled: root, remoteParentNotSampled: root);
    }

    private static OtlpExportProtocol Protocol(string? value) => value is "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

    /// <summary>With http/protobuf the exporter posts to the endpoint as given, so the signal's path is named.</summary>
    private static Uri Endpoint(string endpoint, OtlpExportProtocol protocol, string path) =>
        new(protocol == OtlpExportProtocol.HttpProtobuf && !endpoint.TrimEnd('/').EndsWith(path, StringComparison.Ordinal) ? endpoint.TrimEnd('/') + path : endpoint);
}
