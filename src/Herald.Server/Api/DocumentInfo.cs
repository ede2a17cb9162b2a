using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// The document's title, description, tag descriptions and server. The server is relative (<c>/</c>: the host that serves
/// the document), so the document is the same whichever address it is fetched from, and docs/openapi.json can be compared
/// with what a running server serves.
/// </summary>
internal sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Health"] = "Liveness, readiness and Prometheus metrics; no credential.",
        ["Auth"] = "What the calling API key may do.",
        ["Notifications"] = "Send to one recipient, a topic or a batch; search and cancel.",
        ["Users"] = "Recipients: profiles, preferences, push devices, erasure and subscriber tokens.",
        ["Feed"] = "A user's in-app feed, read by operators or by the user with a subscriber token; live as Server-Sent Events.",
        ["Topics"] = "Audiences a send or a campaign can name.",
        ["Campaigns"] = "Scheduled, paced sends to a topic or a list, in the low lane.",
        ["Digests"] = "Rules that batch an event type into digests.",
        ["Templates"] = "Versioned per-channel templates: create, publish, promote, preview.",
        ["Webhook endpoints"] = "Customer webhooks and operational (lifecycle event) webhooks, signed per Standard Webhooks.",
        ["Dead letters"] = "Deliveries that used up their attempts: inspect and replay.",
        ["Outbox"] = "What the capture provider received, for development and tests.",
        ["Suppressions"] = "Addresses Herald no longer sends to (bounces, complaints, STOP).",
        ["Providers"] = "Provider routing, circuit state and status callbacks.",
        ["Analytics"] = "Delivery counts, rates and latency.",
        ["Audit"] = "Who did what to which resource.",
        ["Keys"] = "API keys: scopes, expiry, rate limits, rotation and revocation.",
        ["Environments"] = "Apps (tenants) and their environments.",
        ["Subscriber tokens"] = "The secret that signs an environment's subscriber tokens.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info = new OpenApiInfo
        {
            Title = "Herald",
            Version = "v1",
            Description = "Herald, a multi-channel notification service: product services say what happened to whom; Herald decides whether, where, "
                + "when and how to tell that person (in-app feed, webhooks, email, SMS, push), from versioned templates, within preferences, "
                + "quiet hours and rate limits. Errors are RFC 9457 problem details with a stable `type`.",
        };
        document.Servers = [new OpenApiServer { Url = "/", Description = "The Herald server that serves this document" }];
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (tag.Name is { } name && Tags.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }

        return Task.CompletedTask;
    }
}
