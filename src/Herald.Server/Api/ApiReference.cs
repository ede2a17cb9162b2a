using Scalar.AspNetCore;

namespace Herald.Server.Api;

/// <summary>
/// The interactive API reference at <c>/docs</c> (Scalar), reading <c>/openapi/v1.json</c>. Everything it loads comes from
/// Herald: the script is embedded in Scalar.AspNetCore and served under <c>/docs/</c>; its default fonts (from Scalar's
/// CDN), telemetry, AI agent, MCP links and developer toolbar (links to Scalar's services) are off, and no request proxy
/// is set, so nothing leaves for the internet. Anonymous, like the document it shows: it describes the API and reveals no
/// data; calls made from it need a key like any other.
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
            .HideDeveloperTools()
            .AddPreferredSecuritySchemes(AuthSchemes.ApiKey));
}
