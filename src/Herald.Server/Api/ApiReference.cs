using Scalar.AspNetCore;

namespace Herald.Server.Api;

/// <summary>
/// The interactive API reference at <c>/docs</c> (Scalar), reading <c>/openapi/v1.json</c>. Everything it loads comes from
/// Herald: the script is embedded in Scalar.AspNetCore and served under <c>/docs/</c>; its default fonts (from Scalar's CDN),
/// its request proxy, telemetry, AI agent and MCP links are off, so nothing leaves for the internet. Anonymous, like the
/// document it shows: it describes the API and reveals no data; calls made from it need a key like any other.
/// </summary>
internal static class ApiReference
{
    public const string Path = "/docs";

    public static IEndpointConventionBuilder MapApiReference(this IEndpointRouteBuilder app) =>
        app.MapScalarApiReference(Path, o => o
            .WithTitle("Herald API reference")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .AddPreferredSecuritySchemes(AuthSchemes.ApiKey));
}
