using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Core.Webhooks;

namespace Herald.Server.Api;

internal static class WebhookEndpointsEndpoints
{
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhook-endpoints").WithTags("Webhook endpoints");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeys.Admin).Accepts<WebhookEndpointRequest>("application/json").Produces<WebhookEndpointResponse>(201).ProducesProblem(400);
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeys.ReadScope).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeys.Admin).Produces(204).ProducesProblem(404);
        group.MapPost("/{id}/enable", EnableAsync).RequireScope(ApiKeys.Admin).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapPost("/{id}/disable", DisableAsync).RequireScope(ApiKeys.Admin).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.ReadScope).Produces<WebhookEndpointPage>();
    }

    /// <summary>Without a <c>recipient_id</c> the endpoint is operational: it receives Herald's lifecycle events (docs/architecture.md).</summary>
    private static async Task<IResult> CreateAsync(HttpRequest request, IWebhookEndpointStore store, OperationalSubscribers subscribers, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.WebhookEndpointRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (r.RecipientId is not null && Validate.Recipient("recipient_id", r.RecipientId) is { } bad)
        {
            return bad;
        }

        if (!Uri.TryCreate(r.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return Problems.Validation("url", "'url' must be an absolute http or https URL");
        }

        var types = r.EventTypes ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (!PreferenceMatcher.IsValidPattern(types[i]))
            {
                return Problems.Validation($"event_types[{i}]", $"'{types[i]}' is not an event type or pattern such as order.*");
            }
        }

        var endpoint = new WebhookEndpoint(Ids.New("whe", time), r.RecipientId, url.ToString(), StandardWebhookSigner.GenerateSecret(), types, r.Description, true, null, null, time.GetUtcNow());
        await store.InsertEndpointAsync(endpoint, ct);
        subscribers.Invalidate();
        return TypedResults.Created($"/api/v1/webhook-endpoints/{endpoint.Id}", ToResponse(endpoint, withSecret: true));
    }

    private static async Task<IResult> GetAsync(string id, IWebhookEndpointStore store, CancellationToken ct) =>
        await store.GetEndpointAsync(id, ct) is { } e ? TypedResults.Ok(ToResponse(e, withSecret: false)) : Problems.NotFound("webhook endpoint", id);

    private static async Task<IResult> DeleteAsync(string id, IWebhookEndpointStore store, OperationalSubscribers subscribers, CancellationToken ct)
    {
        if (!await store.DeleteEndpointAsync(id, ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        return TypedResults.NoContent();
    }

    private static async Task<IResult> EnableAsync(string id, IWebhookEndpointStore store, OperationalSubscribers subscribers, CancellationToken ct)
    {
        if (!await store.EnableEndpointAsync(id, ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        return TypedResults.Ok(ToResponse((await store.GetEndpointAsync(id, ct))!, withSecret: false));
    }

    /// <summary>An operator stops deliveries to an endpoint; they dead-letter (replayable) until it is enabled again.</summary>
    private static async Task<IResult> DisableAsync(string id, IWebhookEndpointStore store, OperationalSubscribers subscribers, CancellationToken ct)
    {
        if (!await store.DisableEndpointAsync(id, "disabled by an operator", ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        return TypedResults.Ok(ToResponse((await store.GetEndpointAsync(id, ct))!, withSecret: false));
    }

    private static async Task<IResult> ListAsync(string? limit, string? cursor, IWebhookEndpointStore store, CancellationToken ct)
    {
        var n = Validate.Limit(limit);
        var page = await store.ListEndpointsAsync(n, cursor, ct);
        return TypedResults.Ok(new WebhookEndpointPage([.. page.Select(e => ToResponse(e, withSecret: false))], page.Count == n ? page[^1].Id : null));
    }

    /// <summary>The signing secret is shown once, when the endpoint is created.</summary>
    private static WebhookEndpointResponse ToResponse(WebhookEndpoint e, bool withSecret) =>
        new(e.Id, e.RecipientId, e.Url, [.. e.EventTypes], e.Description, e.Enabled, e.DisabledReason, e.FailingSince, e.CreatedAt, withSecret ? e.Secret : null);
}
