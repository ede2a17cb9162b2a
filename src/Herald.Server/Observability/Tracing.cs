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
        var ratio = configuration.GetValue("Herald:Tracing:SampleRatio", 1.0);
        return Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(configuration["Herald:Tracing:ServiceName"] ?? "herald"))
            .AddSource(Sources)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
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
}
