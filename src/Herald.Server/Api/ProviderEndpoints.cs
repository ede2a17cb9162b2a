using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Tracking;
using Herald.Providers;
using Herald.Providers.Abstractions;
using Herald.Providers.Routing;

namespace Herald.Server.Api;

/// <summary>Provider health, inbound provider status callbacks and the suppression list.</summary>
internal static class ProviderEndpoints
{
    private const int MaxCallbackBody = 1024 * 1024;

    public static void MapProviders(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/providers", ListProviders).WithTags("Providers").RequireScope(ApiKeys.NotificationsRead).Produces<ProvidersResponse>();
        app.MapPost("/api/v1/providers/{name}/disable", (string name, HttpContext http, ProviderRegistry registry, AuditTrail audit) => ToggleAsync(name, http, registry, audit, disabled: true))
            .WithTags("Providers").RequireScope(ApiKeys.Admin).Produces<ProvidersResponse>().ProducesProblem(404);
        app.MapPost("/api/v1/providers/{name}/enable", (string name, HttpContext http, ProviderRegistry registry, AuditTrail audit) => ToggleAsync(name, http, registry, audit, disabled: false))
            .WithTags("Providers").RequireScope(ApiKeys.Admin).Produces<ProvidersResponse>().ProducesProblem(404);
        app.MapPost("/api/v1/webhooks/{provider}", ReceiveAsync).WithTags("Providers")
            .Produces<CallbackAcceptedResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(413);
        var suppressions = app.MapGroup("/api/v1/suppressions").WithTags("Suppressions");
        suppressions.MapGet("/", ListSuppressionsAsync).RequireScope(ApiKeys.NotificationsRead).Produces<SuppressionPage>().ProducesProblem(400);
        suppressions.MapDelete("/{channel}/{address}", RemoveSuppressionAsync).RequireScope(ApiKeys.Admin).Produces(204).ProducesProblem(404);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<ProvidersResponse> ListProviders(ProviderRegistry registry)
    {
        var result = new List<ProviderResponse>();
        foreach (var (channel, router) in registry.Routers.OrderBy(r => r.Key))
        {
            for (var i = 0; i < router.Routes.Count; i++)
            {
                var route = router.Routes[i];
                var s = route.Stats.Snapshot(TimeSpan.FromMinutes(5));
                result.Add(new ProviderResponse(route.Name, route.Adapter.Type, channel.ToWire(), i + 1, route.State, [.. route.Match], route.Bucket?.PerSecond,
                    new ProviderStatsResponse(s.RecentCalls, s.ErrorRate, s.P50Ms, s.P95Ms, s.P99Ms, s.TotalCalls, s.TotalFailures),
                    [.. s.Transitions.Select(t => new CircuitTransitionResponse(t.At, t.State))], !route.Disabled, Callbacks(route.Adapter)));
            }
        }

        return TypedResults.Ok(new ProvidersResponse(result));
    }

    /// <summary>"on" when the provider's status callbacks are verified and applied, "off" when they are refused for want of its signing secret.</summary>
    private static string? Callbacks(IProviderAdapter adapter) => adapter is IStatusCallbackReceiver receiver ? receiver.CallbacksVerifiable ? "on" : "off" : null;

    /// <summary>Takes a provider out of rotation (or back in) on this process; answers with the provider list.</summary>
    private static async Task<IResult> ToggleAsync(string name, HttpContext http, ProviderRegistry registry, AuditTrail audit, bool disabled)
    {
        var routes = registry.Routers.Values.SelectMany(r => r.Routes).Where(r => r.Name == name).ToList();
        if (routes.Count == 0)
        {
            return Problems.NotFound("provider", name);
        }

        foreach (var route in routes)
        {
            route.SetDisabled(disabled);
        }

        await audit.RecordAsync(http, disabled ? Core.Audit.AuditActions.ProviderDisabled : Core.Audit.AuditActions.ProviderEnabled, name);

        return ListProviders(registry);
    }

    /// <summary>
    /// A vendor's status callback: verified by the vendor's signature, parsed, and applied by the Track stage in one
    /// transaction (<see cref="Tracker.ApplyCallbackAsync"/>). Anything badly signed or malformed is refused with a 4xx and
    /// changes nothing. A verified callback always gets the same 200, also for events naming a message Herald did not send
    /// and for replays, so the answer reveals neither which ids exist nor what was seen.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(string provider, HttpRequest request, ProviderRegistry registry, IConfiguration configuration, Tracker tracker,
        TimeProvider time, HeraldMetrics metrics, CancellationToken ct)
    {
        if (!registry.Providers.TryGetValue(provider, out var adapter) || adapter is not IStatusCallbackReceiver receiver)
        {
            // Not labelled by the path's name: any URL would make a new series.
            metrics.Callback("unknown", "unknown_provider");
            return Problems.Plain(404, "unknown-provider", "No such provider.", $"no configured provider '{provider}' receives status callbacks");
        }

        if (await ReadCallbackAsync(request, configuration, time, ct) is not { } callback)
        {
            return Problems.Plain(413, "too-large", "The callback is too large.", $"callbacks are limited to {MaxCallbackBody} bytes");
        }

        switch (receiver.Parse(callback))
        {
            case CallbackResult.Rejected rejected:
                metrics.Callback(provider, "rejected");
                return Problems.Plain(rejected.Status, rejected.Status == 401 ? "bad-signature" : "malformed-callback",
                    rejected.Status == 401 ? "The callback's signature does not verify." : "The callback cannot be parsed.", rejected.Reason);
            case CallbackResult.Accepted accepted:
                await tracker.ApplyCallbackAsync(new ProviderCallback(provider, adapter.Name, adapter.Channel, accepted.Events, accepted.Replay, callback.ReceivedAt), ct);
                return TypedResults.Ok(new CallbackAcceptedResponse(accepted.Events.Count));
            default:
                throw new InvalidOperationException("unhandled callback result");
        }
    }

    /// <summary>The request as the vendor signed it (at the public URL), or null when its body is larger than <see cref="MaxCallbackBody"/>.</summary>
    private static async Task<InboundCallback?> ReadCallbackAsync(HttpRequest request, IConfiguration configuration, TimeProvider time, CancellationToken ct)
    {
        if (await ReadBodyAsync(request, ct) is not { } body)
        {
            return null;
        }

        var url = new Uri(HeraldProvidersServiceCollectionExtensions.PublicBaseUrl(configuration) + request.Path + request.QueryString);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new InboundCallback(url, request.Method, headers, body, request.ContentType, time.GetUtcNow());
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxCallbackBody"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var read = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(read, ct)) > 0)
        {
            if (buffer.Length + n > MaxCallbackBody)
            {
                return null;
            }

            buffer.Write(read, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>Suppressed addresses, masked unless the key has content:read (the address filter still matches the full address).</summary>
    private static async Task<IResult> ListSuppressionsAsync(string? channel, string? address, string? limit, HttpContext http, ITrackingStore store, CancellationToken ct)
    {
        Channel? only = null;
        if (channel is not null)
        {
            if (!ChannelNames.TryParseChannel(channel, out var c))
            {
                return Problems.Validation("channel", $"unknown channel '{channel}'");
            }

            only = c;
        }

        var list = await store.ListSuppressionsAsync(AuthSchemes.EnvironmentOf(http.User), only, address, Validate.Limit(limit, 100, 1000), ct);
        var unmasked = Auth.CanReadContent(http);
        return TypedResults.Ok(new SuppressionPage([.. list.Select(s =>
            new SuppressionResponse(s.Channel.ToWire(), unmasked ? s.Address : Validate.Mask(s.Channel, s.Address), s.Reason, s.Source, s.CreatedAt))]));
    }

    private static async Task<IResult> RemoveSuppressionAsync(string channel, string address, HttpContext http, ITrackingStore store, AuditTrail audit, CancellationToken ct)
    {
        if (!ChannelNames.TryParseChannel(channel, out var c))
        {
            return Problems.Validation("channel", $"unknown channel '{channel}'");
        }

        if (!await store.RemoveSuppressionAsync(AuthSchemes.EnvironmentOf(http.User), c, address, ct))
        {
            return Problems.NotFound("suppression", $"{channel}/{address}");
        }

        // The address is personal data: the log keeps it masked, as the API shows it.
        await audit.RecordAsync(http, Core.Audit.AuditActions.SuppressionRemoved, $"{c.ToWire()}/{Validate.Mask(c, address)}");
        return TypedResults.NoContent();
    }
}
