using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Sandbox.Core;

/// <summary>
/// The sandbox's own API under <c>/_sandbox</c>: the message log, fault injection and callback targets.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxState state, IReadOnlyList<ISandboxVendor> vendors)
    {
        var keys = vendors.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var admin = app.MapGroup("/_sandbox");
        admin.MapGet("/", () => Results.Json(new JsonObject
        {
            ["vendors"] = new JsonArray([.. keys.Order(StringComparer.Ordinal).Select(k => (JsonNode)k)]),
            ["messages"] = state.Messages.Find().Count,
            ["faults_injected"] = state.Faults.Injected,
            ["callbacks"] = new JsonObject { ["pending"] = state.Callbacks.Pending, ["sent"] = state.Callbacks.Sent, ["failed"] = state.Callbacks.Failed },
        }));
        admin.MapGet("/messages", (string? vendor, string? reference, string? to) =>
            Results.Json(new JsonObject { ["messages"] = new JsonArray([.. state.Messages.Find(vendor, reference, to).Select(m => (JsonNode)m.ToJson())]) }));
        admin.MapDelete("/messages", () =>
        {
            state.Messages.Clear();
            return Results.NoContent();
        });
        admin.MapGet("/faults", () => Results.Json(state.Faults.All));
        admin.MapPut("/faults/{vendor}", async (string vendor, HttpRequest request) =>
        {
            if (vendor != "*" && !keys.Contains(vendor))
            {
                return Results.Problem(statusCode: 404, title: $"unknown vendor '{vendor}'", detail: $"known: {string.Join(", ", keys)}");
            }

            FaultPlan? plan;
            try
            {
                plan = await JsonSerializer.DeserializeAsync<FaultPlan>(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            }
            catch (JsonException ex)
            {
                return Results.Problem(statusCode: 400, title: "malformed fault plan", detail: ex.Message);
            }

            if (plan is null || plan.ErrorRate is < 0 or > 1 || plan.AcceptThenTimeoutRate is < 0 or > 1 || plan.RateLimitRate is < 0 or > 1)
            {
                return Results.Problem(statusCode: 400, title: "rates must be between 0 and 1");
            }

            state.Faults.Set(vendor, plan);
            return Results.NoContent();
        });
        admin.MapDelete("/faults", () =>
        {
            state.Faults.Clear();
            return Results.NoContent();
        });
        admin.MapDelete("/faults/{vendor}", (string vendor) =>
        {
            state.Faults.Set(vendor, new FaultPlan());
            return Results.NoContent();
        });
        admin.MapPut("/callbacks/{vendor}", async (string vendor, HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (!keys.Contains(vendor) || body?["url"]?.GetValue<string>() is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                return Results.Problem(statusCode: 400, title: "need a known vendor and {\"url\": absolute URL}");
            }

            state.CallbackUrls[vendor] = url;
            return Results.NoContent();
        });
    }
}
