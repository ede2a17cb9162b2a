using Herald.Core.Audit;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Providers.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

internal static class WebhookEndpointsEndpoints
{
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhook-endpoints").WithTags("Webhook endpoints");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeys.Admin).Accepts<WebhookEndpointRequest>("application/json").Produces<WebhookEndpointResponse>(201).ProducesProblem(400);
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeys.NotificationsRead).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeys.Admin).Produces(204).ProducesProblem(404);
        group.MapPost("/{id}/enable", EnableAsync).RequireScope(ApiKeys.Admin).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapPost("/{id}/recover", RecoverAsync).RequireScope(ApiKeys.Admin).Accepts<WebhookRecoverRequest>("application/json")
            .Produces<WebhookRecoverResponse>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/disable", DisableAsync).RequireScope(ApiKeys.Admin).Produces<WebhookEndpointResponse>().ProducesProblem(404);
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.NotificationsRead).Produces<WebhookEndpointPage>();
    }

    /// <summary>Without a <c>recipient_id</c> the endpoint is operational: it receives Herald's lifecycle events (docs/architecture.md).</summary>
    private static async Task<IResult> CreateAsync(HttpRequest request, IWebhookEndpointStore store, OperationalSubscribers subscribers, IOptions<WebhookOptions> webhooks,
        AuditTrail audit, TimeProvider time, CancellationToken ct)
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

        // The parser keeps a raw line break in the path, which was stored and would reach the request line of every call.
        if (r.Url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return Problems.Validation("url", "'url' must not contain spaces or control characters (percent-encode them)");
        }

        // A host that is private by its very name is refused now, not at the first delivery (which the guard refuses too).
        if (!webhooks.Value.AllowPrivateNetworks && NetworkGuard.NamesNonPublicHost(url))
        {
            return Problems.Validation("url", "'url' must name a public host: loopback, private, link-local and other non-public addresses and localhost are refused");
        }

        // Credentials in the URL would be stored and shown to every read key; receivers verify the signature instead.
        if (url.UserInfo.Length > 0)
        {
            return Problems.Validation("url", "'url' must not contain a user name or password; verify the webhook signature instead");
        }

        var types = r.EventTypes ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (!PreferenceMatcher.IsValidPattern(types[i]))
            {
                return Problems.Validation($"event_types[{i}]", $"'{types[i]}' is not an event type or pattern such as order.*");
            }
        }

        var endpoint = new WebhookEndpoint(Ids.New("whe", time), r.RecipientId, url.ToString(), StandardWebhookSigner.GenerateSecret(), types, r.Description, true, null, null, time.GetUtcNow(),
            AuthSchemes.EnvironmentOf(request.HttpContext.User));
        await store.InsertEndpointAsync(endpoint, ct);
        subscribers.Invalidate();
        // Neither the URL (it may carry a token) nor the signing secret: the id and whose endpoint it is.
        await audit.RecordAsync(request.HttpContext, AuditActions.WebhookEndpointCreated, endpoint.Id, new System.Text.Json.Nodes.JsonObject { ["recipient_id"] = r.RecipientId });
        return TypedResults.Created($"/api/v1/webhook-endpoints/{endpoint.Id}", ToResponse(endpoint, withSecret: true));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IWebhookEndpointStore store, CancellationToken ct) =>
        await store.GetEndpointAsync(AuthSchemes.EnvironmentOf(http.User), id, ct) is { } e ? TypedResults.Ok(ToResponse(e, withSecret: false)) : Problems.NotFound("webhook endpoint", id);

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, IWebhookEndpointStore store, OperationalSubscribers subscribers, AuditTrail audit, CancellationToken ct)
    {
        if (!await store.DeleteEndpointAsync(AuthSchemes.EnvironmentOf(http.User), id, ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        await audit.RecordAsync(http, AuditActions.WebhookEndpointDeleted, id);
        return TypedResults.NoContent();
    }

    /// <summary>What was held while the endpoint was disabled goes back to the queue, oldest first, at the webhook lanes' pace.</summary>
    private static async Task<IResult> EnableAsync(string id, HttpContext http, IWebhookEndpointStore store, OperationalSubscribers subscribers, IOptions<WebhookOptions> webhooks,
        Signals signals, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await store.EnableEndpointAsync(environment, id, ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        var now = time.GetUtcNow();
        var released = await store.ReleaseHeldAsync(id, now - webhooks.Value.HoldFor, now, ct);
        await audit.RecordAsync(http, AuditActions.WebhookEndpointEnabled, id, new System.Text.Json.Nodes.JsonObject { ["released"] = released });
        if (released > 0)
        {
            WakeWebhookLanes(signals);
        }

        return TypedResults.Ok(ToResponse((await store.GetEndpointAsync(environment, id, ct))!, withSecret: false));
    }

    /// <summary>
    /// Svix's recover: sends again what the endpoint missed among the notifications accepted in [since, until) — held, failed or
    /// dead, never sent. Only for an enabled endpoint (a disabled one would hold them again).
    /// </summary>
    private static async Task<IResult> RecoverAsync(string id, HttpRequest request, IWebhookEndpointStore store, Signals signals, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (await store.GetEndpointAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), id, ct) is not { } endpoint)
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        var body = await RequestBody.ReadAsync(request, ApiJson.Default.WebhookRecoverRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var now = time.GetUtcNow();
        if (RecoverRange(body.Value!, now, out var since, out var until) is { } bad)
        {
            return bad;
        }

        if (!endpoint.Enabled)
        {
            return Problems.Conflict("endpoint-disabled", $"webhook endpoint '{id}' is disabled ({endpoint.DisabledReason}); enable it first, which also sends what was held for it");
        }

        var recovered = await store.RecoverAsync(id, since, until, now, ct);
        await audit.RecordAsync(request.HttpContext, AuditActions.WebhookEndpointRecovered, id,
            new System.Text.Json.Nodes.JsonObject { ["since"] = since, ["until"] = until, ["recovered"] = recovered });
        if (recovered > 0)
        {
            WakeWebhookLanes(signals);
        }

        return TypedResults.Accepted($"/api/v1/webhook-endpoints/{id}", new WebhookRecoverResponse(id, since, until, recovered));
    }

    /// <summary><c>since</c> required and not in the future; <c>until</c> after it, default now.</summary>
    private static ProblemHttpResult? RecoverRange(WebhookRecoverRequest r, DateTimeOffset now, out DateTimeOffset since, out DateTimeOffset until)
    {
        since = until = now;
        if (r.Since is null)
        {
            return Problems.Validation("since", "'since' is required: the start of the range (RFC 3339), e.g. when the endpoint started failing");
        }

        if (Validate.Timestamp("since", r.Since, out var s) is { } badSince)
        {
            return badSince;
        }

        if (Validate.Timestamp("until", r.Until, out var u) is { } badUntil)
        {
            return badUntil;
        }

        since = s!.Value;
        until = u ?? now;
        if (since > now)
        {
            return Problems.Validation("since", $"'since' ({since:O}) is in the future");
        }

        return since >= until ? Problems.Validation("until", $"'until' ({until:O}) must be later than 'since' ({since:O})") : null;
    }

    private static void WakeWebhookLanes(Signals signals)
    {
        foreach (var p in new[] { Priority.Urgent, Priority.Normal, Priority.Low })
        {
            signals.Notify(Signals.Lane(Channel.Webhook, p));
        }
    }

    /// <summary>An operator stops deliveries to an endpoint; what arrives for it meanwhile is held until it is enabled again.</summary>
    private static async Task<IResult> DisableAsync(string id, HttpContext http, IWebhookEndpointStore store, OperationalSubscribers subscribers, AuditTrail audit, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await store.DisableEndpointAsync(environment, id, "disabled by an operator", ct))
        {
            return Problems.NotFound("webhook endpoint", id);
        }

        subscribers.Invalidate();
        await audit.RecordAsync(http, AuditActions.WebhookEndpointDisabled, id);
        return TypedResults.Ok(ToResponse((await store.GetEndpointAsync(environment, id, ct))!, withSecret: false));
    }

    private static async Task<IResult> ListAsync(string? limit, string? cursor, HttpContext http, IWebhookEndpointStore store, CancellationToken ct)
    {
        var n = Validate.Limit(limit);
        var page = await store.ListEndpointsAsync(AuthSchemes.EnvironmentOf(http.User), n, cursor, ct);
        return TypedResults.Ok(new WebhookEndpointPage([.. page.Select(e => ToResponse(e, withSecret: false))], page.Count == n ? page[^1].Id : null));
    }

    /// <summary>The signing secret is shown once, when the endpoint is created.</summary>
    private static WebhookEndpointResponse ToResponse(WebhookEndpoint e, bool withSecret) =>
        new(e.Id, e.RecipientId, e.Url, [.. e.EventTypes], e.Description, e.Enabled, e.DisabledReason, e.FailingSince, e.CreatedAt, withSecret ? e.Secret : null);
}
