using Herald.Core.Observability;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Herald.Server.Observability;

/// <summary>
/// OTLP export of Herald's spans (API request, ingest, plan, publish, deliver, provider call) and of ASP.NET Core's,
/// HttpClient's and Npgsql's, when <c>Herald:Tracing:OtlpEndpoint</c> is set (or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). Without it no provider is built, no span is sampled and nothing is stored.
/// </summary>
internal static class Tracing
{
    public static readonly string[] Sources = [HeraldTracing.SourceName, "Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    /// <summary>The tracer provider, or null when tracing is not configured. Disposed with the container, which flushes it.</summary>
    public static TracerProvider? Build(IConfiguration configuration)
    {
        var endpoint = configuration["Herald:Tracing:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        var protocol = configuration["Herald:Tracing:Protocol"] is "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        return Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(configuration["Herald:Tracing:ServiceName"] ?? "herald"))
            .AddSource(Sources)
            .SetSampler(Sampler(configuration))
            .AddOtlpExporter(o =>
            {
                o.Protocol = protocol;
                // With http/protobuf the exporter posts to the endpoint as given, so name the traces path.
                o.Endpoint = new Uri(protocol == OtlpExportProtocol.HttpProtobuf && !endpoint.TrimEnd('/').EndsWith("/v1/traces", StringComparison.Ordinal)
                    ? endpoint.TrimEnd('/') + "/v1/traces"
                    : endpoint);
            })
            .Build();
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
}
