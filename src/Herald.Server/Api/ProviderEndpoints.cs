using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Observability;
using Herald.Core.Storage;
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
        app.MapGet("/api/v1/providers", ListProviders).WithTags("Providers").RequireScope(ApiKeys.ReadScope).Produces<ProvidersResponse>();
        app.MapPost("/api/v1/providers/{name}/disable", (string name, ProviderRegistry registry) => Toggle(name, registry, disabled: true))
            .WithTags("Providers").RequireScope(ApiKeys.Admin).Produces<ProvidersResponse>().ProducesProblem(404);
        app.MapPost("/api/v1/providers/{name}/enable", (string name, ProviderRegistry registry) => Toggle(name, registry, disabled: false))
            .WithTags("Providers").RequireScope(ApiKeys.Admin).Produces<ProvidersResponse>().ProducesProblem(404);
        app.MapPost("/api/v1/webhooks/{provider}", ReceiveAsync).WithTags("Providers")
            .Produces<CallbackAcceptedResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(413);
        var suppressions = app.MapGroup("/api/v1/suppressions").WithTags("Suppressions");
        suppressions.MapGet("/", ListSuppressionsAsync).RequireScope(ApiKeys.ReadScope).Produces<SuppressionPage>().ProducesProblem(400);
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
    private static IResult Toggle(string name, ProviderRegistry registry, bool disabled)
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

        return ListProviders(registry);
    }

    /// <summary>
    /// A vendor's status callback: verified by the vendor's signature, parsed, and applied in one transaction. Anything
    /// badly signed or malformed is refused with a 4xx and changes nothing. A verified callback always gets the same
    /// 200: events naming a message Herald did not send are skipped (counted as unknown_message: on a vendor account
    /// shared with other senders they are normal), and events applied before (by the vendor's own event id, kept for the
    /// replay window) are ignored, so the answer reveals neither which ids exist nor what was seen.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(string provider, HttpRequest request, ProviderRegistry registry, ITrackingStore store, IConfiguration configuration,
        TrackingApplier applier, TimeProvider time, HeraldMetrics metrics, CancellationToken ct)
    {
        if (!registry.Providers.TryGetValue(provider, out var adapter) || adapter is not IStatusCallbackReceiver receiver)
        {
            // Not labelled by the path's name: any URL would make a new series.
            metrics.Callback("unknown", "unknown_provider");
            return Problems.Plain(404, "unknown-provider", "No such provider.", $"no configured provider '{provider}' receives status callbacks");
        }

        if (await ReadBodyAsync(request, ct) is not { } body)
        {
            return Problems.Plain(413, "too-large", "The callback is too large.", $"callbacks are limited to {MaxCallbackBody} bytes");
        }

        var url = new Uri(HeraldProvidersServiceCollectionExtensions.PublicBaseUrl(configuration) + request.Path + request.QueryString);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var callback = new InboundCallback(url, request.Method, headers, body, request.ContentType, time.GetUtcNow());
        switch (receiver.Parse(callback))
        {
            case CallbackResult.Rejected rejected:
                metrics.Callback(provider, "rejected");
                return Problems.Plain(rejected.Status, rejected.Status == 401 ? "bad-signature" : "malformed-callback",
                    rejected.Status == 401 ? "The callback's signature does not verify." : "The callback cannot be parsed.", rejected.Reason);
            case CallbackResult.Accepted accepted:
                var reports = await ReportsAsync(provider, adapter, accepted, store, callback.ReceivedAt, metrics, ct);
                await applier.ApplyAsync(reports, ct);
                var applied = time.GetUtcNow();
                // Every event's update has a trace entry or a suppression; the callback's bare receipt (Mailgun) has neither.
                foreach (var report in reports.Where(r => r.Update.Trace is not null || r.Update.Suppress is not null || r.Update.Unsuppress is not null))
                {
                    metrics.Callback(provider, "applied");
                    metrics.CallbackLag(provider, applied - report.Update.At);
                }

                return TypedResults.Ok(new CallbackAcceptedResponse(accepted.Events.Count));
            default:
                throw new InvalidOperationException("unhandled callback result");
        }
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

    /// <summary>
    /// The reports to apply, each carrying its receipt (the store skips one already held). Events naming no known
    /// message are skipped; the callback's own replay key is still remembered, alone when no event carries it.
    /// </summary>
    private static async Task<List<TrackingApplier.Report>> ReportsAsync(string provider, IProviderAdapter adapter, CallbackResult.Accepted accepted, ITrackingStore store,
        DateTimeOffset now, HeraldMetrics metrics, CancellationToken ct)
    {
        CallbackReceipt Receipt(ReplayKey key) => new(provider, key.Key, now + key.Window);
        var reports = new List<TrackingApplier.Report>();
        foreach (var e in accepted.Events)
        {
            if (await ToUpdateAsync(adapter, e, store, ct) is not ({ } update, var delivery))
            {
                metrics.Callback(provider, "unknown_message");
                continue;
            }

            reports.Add(new TrackingApplier.Report(e.Replay is { } replay ? update with { Receipt = Receipt(replay) } : update, delivery, e.Permanent));
        }

        if (accepted.Replay is { } whole && !reports.Any(r => r.Update.Receipt?.Key == whole.Key))
        {
            reports.Add(new TrackingApplier.Report(new TrackingUpdate(null, null, null, now, null, Receipt: Receipt(whole)), null));
        }

        return reports;
    }

    private static async Task<(TrackingUpdate? Update, Delivery? Delivery)> ToUpdateAsync(IProviderAdapter adapter, TrackingEvent e, ITrackingStore store, CancellationToken ct)
    {
        if (e.Kind is TrackingKind.OptOut or TrackingKind.OptIn)
        {
            if (string.IsNullOrEmpty(e.Address))
            {
                return (null, null);
            }

            var s = new Suppression(adapter.Channel, e.Address, "opt-out", adapter.Name, e.At);
            return (e.Kind == TrackingKind.OptOut ? new TrackingUpdate(null, null, null, e.At, null, Suppress: s) : new TrackingUpdate(null, null, null, e.At, null, Unsuppress: s), null);
        }

        if (await store.FindTrackedDeliveryAsync(e.DeliveryId, e.ProviderMessageId, ct) is not { } d)
        {
            return (null, null);
        }

        var (status, suppress) = e.Kind switch
        {
            TrackingKind.Delivered => (DeliveryStatus.Delivered, null),
            TrackingKind.Bounced => (DeliveryStatus.Bounced, new Suppression(d.Channel, d.Target, "hard bounce", adapter.Name, e.At)),
            TrackingKind.Failed => (DeliveryStatus.Failed, null),
            TrackingKind.Opened => (DeliveryStatus.Opened, null),
            TrackingKind.Clicked => (DeliveryStatus.Clicked, null),
            _ => ((string?)null, new Suppression(d.Channel, d.Target, "spam complaint", adapter.Name, e.At)),
        };
        var decision = e.Kind.ToString().ToLowerInvariant();
        var trace = new TraceEntry(d.NotificationId, e.At, "track", d.Channel.ToWire(), decision,
            $"{adapter.Name}: {e.Detail}" + (suppress is null ? "" : $"; {d.Target} suppressed ({suppress.Reason})"));
        return (new TrackingUpdate(d.Id, d.NotificationId, status, e.At, trace, Suppress: suppress), d);
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

        var list = await store.ListSuppressionsAsync(only, address, Validate.Limit(limit, 100, 1000), ct);
        var unmasked = Auth.CanReadContent(http);
        return TypedResults.Ok(new SuppressionPage([.. list.Select(s =>
            new SuppressionResponse(s.Channel.ToWire(), unmasked ? s.Address : Validate.Mask(s.Channel, s.Address), s.Reason, s.Source, s.CreatedAt))]));
    }

    private static async Task<IResult> RemoveSuppressionAsync(string channel, string address, ITrackingStore store, CancellationToken ct)
    {
        if (!ChannelNames.TryParseChannel(channel, out var c))
        {
            return Problems.Validation("channel", $"unknown channel '{channel}'");
        }

        return await store.RemoveSuppressionAsync(c, address, ct) ? TypedResults.NoContent() : Problems.NotFound("suppression", $"{channel}/{address}");
    }
}
