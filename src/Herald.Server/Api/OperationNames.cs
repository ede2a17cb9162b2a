using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Names every operation in the OpenAPI document: a stable camelCase verb-noun <c>operationId</c> (what generated clients
/// call their methods) and a summary where the endpoint declares none, from one table keyed by method and route, so the
/// endpoint files stay as they are and a renamed route shows up here. A route missing from the table still gets an id
/// derived from its method and path (<c>postApiV1Things</c>), and a test fails until the table names it. Operations that
/// take no credential say so (<c>security: []</c>) instead of leaving it unsaid.
/// </summary>
internal sealed class OperationNames : IOpenApiOperationTransformer
{
    /// <summary>"METHOD route" (as the API explorer spells it, no leading slash) → operationId and, when the endpoint has none, a summary.</summary>
    public static readonly IReadOnlyDictionary<string, (string Id, string? Summary)> Names = new Dictionary<string, (string, string?)>(StringComparer.Ordinal)
    {
        ["GET healthz"] = ("getHealth", "Liveness: the process answers"),
        ["GET readyz"] = ("getReadiness", "Readiness: the store, the transport and the workers are up (503 with the failing checks otherwise)"),
        ["GET metrics"] = ("getMetrics", "Prometheus metrics in the text exposition format"),
        ["GET api/v1/me"] = ("getCurrentKey", "The calling API key: its id, scopes and environment"),

        ["POST api/v1/notifications"] = ("sendNotification", "Sends a notification to one recipient, or to every subscriber of a topic; 202 once it is durable"),
        ["GET api/v1/notifications"] = ("listNotifications", "Notifications filtered by recipient, event type, status and time, newest first; pass next_cursor as cursor for the next page"),
        ["POST api/v1/notifications/batch"] = ("sendNotificationBatch", "Sends one notification to each of up to 10,000 recipients; 202 once they are durable"),
        ["GET api/v1/notifications/{id}"] = ("getNotification", "A notification with its deliveries per channel and the trace of every decision"),
        ["DELETE api/v1/notifications/{id}"] = ("cancelNotification", "Cancels what a notification has not sent yet"),

        ["PUT api/v1/users/{user_id}"] = ("putUser", "Creates or replaces a user's profile: email, phone, locale and time zone"),
        ["GET api/v1/users/{user_id}"] = ("getUser", "A user's profile (addresses masked without content:read)"),
        ["DELETE api/v1/users/{user_id}"] = ("eraseUser", null),
        ["PUT api/v1/users/{user_id}/preferences"] = ("putUserPreferences", "Replaces a user's preference rules (opt-outs, quiet hours, caps, send windows, digests)"),
        ["GET api/v1/users/{user_id}/preferences"] = ("getUserPreferences", "A user's preference rules and digest options"),
        ["POST api/v1/users/{user_id}/devices"] = ("addUserDevice", null),
        ["GET api/v1/users/{user_id}/devices"] = ("listUserDevices", "A user's push devices (tokens masked)"),
        ["DELETE api/v1/users/{user_id}/devices/{device_id}"] = ("deleteUserDevice", "Removes one of a user's push devices"),
        ["POST api/v1/users/{user_id}/deliveries/{delivery_id}/opened"] = ("markPushOpened", null),
        ["POST api/v1/users/{user_id}/subscriber-token"] = ("createSubscriberToken", null),

        ["GET api/v1/users/{user_id}/feed"] = ("getFeed", "A user's in-app feed, newest first, with the unread count; pass next_cursor as cursor for the next page"),
        ["POST api/v1/users/{user_id}/feed/{notification_id}/read"] = ("markFeedItemRead", "Marks one feed item read"),
        ["POST api/v1/users/{user_id}/feed/read-all"] = ("markAllFeedItemsRead", "Marks every feed item of the user read"),
        ["POST api/v1/users/{user_id}/feed/{notification_id}/archive"] = ("archiveFeedItem", "Archives one feed item (it leaves the feed)"),
        ["GET api/v1/users/{user_id}/feed/stream"] = ("streamFeed", null),
        ["POST api/v1/users/{user_id}/feed/stream-ticket"] = ("createStreamTicket", null),

        ["PUT api/v1/topics/{key}/subscribers/{user_id}"] = ("subscribeToTopic", null),
        ["DELETE api/v1/topics/{key}/subscribers/{user_id}"] = ("unsubscribeFromTopic", "Unsubscribes a user from a topic"),
        ["GET api/v1/topics/{key}/subscribers"] = ("listTopicSubscribers", null),

        ["POST api/v1/campaigns"] = ("createCampaign", null),
        ["GET api/v1/campaigns/{id}"] = ("getCampaign", "A campaign with its progress"),
        ["POST api/v1/campaigns/{id}/recipients"] = ("addCampaignRecipients", "Adds recipients to a campaign that lists its recipients"),
        ["POST api/v1/campaigns/{id}/pause"] = ("pauseCampaign", "Pauses a campaign: nothing more is released until it resumes"),
        ["POST api/v1/campaigns/{id}/resume"] = ("resumeCampaign", "Resumes a paused campaign"),
        ["POST api/v1/campaigns/{id}/cancel"] = ("cancelCampaign", "Cancels a campaign and what it has not sent yet"),

        ["PUT api/v1/digest-rules/{event_type}"] = ("putDigestRule", null),
        ["GET api/v1/digest-rules/{event_type}"] = ("getDigestRule", "An event type's digest rule"),
        ["DELETE api/v1/digest-rules/{event_type}"] = ("deleteDigestRule", "Removes an event type's digest rule"),
        ["GET api/v1/digest-rules"] = ("listDigestRules", "Every digest rule"),

        ["POST api/v1/templates"] = ("createTemplate", "Creates a template, or a new draft version of an existing one"),
        ["GET api/v1/templates"] = ("listTemplates", "Every template's latest version"),
        ["GET api/v1/templates/{template_id}"] = ("getTemplate", "A template with all its versions"),
        ["POST api/v1/templates/{template_id}/versions/{version}/publish"] = ("publishTemplateVersion", "Publishes a template version: sends use it from now on"),
        ["POST api/v1/templates/{template_id}/promote"] = ("promoteTemplate", "Copies a template version into another environment as a draft"),
        ["POST api/v1/templates/{template_id}/preview"] = ("previewTemplate", "Renders a stored version, or an unsaved draft, with sample data"),
        ["PUT api/v1/layouts/{layout_id}"] = ("putLayout", null),
        ["GET api/v1/layouts/{layout_id}"] = ("getLayout", "An email layout of the environment"),
        ["DELETE api/v1/layouts/{layout_id}"] = ("deleteLayout", "Removes an email layout"),
        ["GET api/v1/layouts"] = ("listLayouts", "Every email layout of the environment"),
        ["PUT api/v1/partials/{name}"] = ("putPartial", null),
        ["GET api/v1/partials/{name}"] = ("getPartial", "A partial of the environment"),
        ["DELETE api/v1/partials/{name}"] = ("deletePartial", "Removes a partial"),
        ["GET api/v1/partials"] = ("listPartials", "Every partial of the environment"),

        ["POST api/v1/webhook-endpoints"] = ("createWebhookEndpoint", "Registers a webhook endpoint; its signing secret is in this answer only"),
        ["GET api/v1/webhook-endpoints"] = ("listWebhookEndpoints", "Webhook endpoints; pass next_cursor as cursor for the next page"),
        ["GET api/v1/webhook-endpoints/{id}"] = ("getWebhookEndpoint", "A webhook endpoint (never its secret)"),
        ["DELETE api/v1/webhook-endpoints/{id}"] = ("deleteWebhookEndpoint", "Deletes a webhook endpoint"),
        ["POST api/v1/webhook-endpoints/{id}/enable"] = ("enableWebhookEndpoint", "Enables a webhook endpoint and sends what was held for it, oldest first"),
        ["POST api/v1/webhook-endpoints/{id}/disable"] = ("disableWebhookEndpoint", "Disables a webhook endpoint: what arrives for it is held, not sent"),
        ["POST api/v1/webhook-endpoints/{id}/recover"] = ("recoverWebhookEndpoint", "Queues again the held, failed and dead deliveries of notifications accepted in a time range"),

        ["GET api/v1/dead-letters"] = ("listDeadLetters", "Dead deliveries, filtered by channel; pass next_cursor as cursor for the next page"),
        ["GET api/v1/dead-letters/{delivery_id}"] = ("getDeadLetter", "A dead delivery with its last error and rendered content"),
        ["POST api/v1/dead-letters/{delivery_id}/replay"] = ("replayDeadLetter", "Queues a dead delivery again"),
        ["GET api/v1/outbox"] = ("listOutboxMessages", "What the capture provider received (email, SMS, push), newest first"),
        ["GET api/v1/suppressions"] = ("listSuppressions", "Suppressed addresses (bounces, complaints, STOP replies)"),
        ["DELETE api/v1/suppressions/{channel}/{address}"] = ("deleteSuppression", "Lifts the suppression of an address"),
        ["GET api/v1/audit"] = ("listAuditEntries", null),
        ["GET api/v1/analytics"] = ("getAnalytics", "Delivery counts, rates and latency over a time range, in total and grouped"),

        ["GET api/v1/providers"] = ("listProviders", "Providers with their failover order, circuit state, recent changes and call statistics"),
        ["POST api/v1/providers/{name}/disable"] = ("disableProvider", "Takes a provider out of rotation"),
        ["POST api/v1/providers/{name}/enable"] = ("enableProvider", "Puts a provider back into rotation"),
        ["POST api/v1/webhooks/{provider}"] = ("receiveProviderCallback", "A provider's delivery status callback, verified with the provider's own signature"),

        ["POST api/v1/keys"] = ("createApiKey", null),
        ["GET api/v1/keys"] = ("listApiKeys", null),
        ["GET api/v1/keys/{id}"] = ("getApiKey", "An API key (never its secret)"),
        ["PATCH api/v1/keys/{id}"] = ("updateApiKeyLimits", null),
        ["POST api/v1/keys/{id}/revoke"] = ("revokeApiKey", null),
        ["POST api/v1/keys/{id}/rotate"] = ("rotateApiKey", null),

        ["POST api/v1/apps"] = ("createApp", null),
        ["GET api/v1/apps"] = ("listApps", null),
        ["GET api/v1/apps/{id}"] = ("getApp", "An app"),
        ["POST api/v1/environments"] = ("createEnvironment", null),
        ["GET api/v1/environments"] = ("listEnvironments", null),
        ["GET api/v1/environments/{id}"] = ("getEnvironment", "An environment"),
        ["GET api/v1/subscriber-secret"] = ("getSubscriberSecret", null),
        ["POST api/v1/subscriber-secret/rotate"] = ("rotateSubscriberSecret", null),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var description = context.Description;
        var route = RouteKey(description.HttpMethod, description.RelativePath);
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (Names.TryGetValue(route, out var name))
        {
            operation.OperationId = name.Id;
            // An endpoint's own WithSummary wins (XML comments of a handler may have set a remark as the summary meanwhile).
            operation.Summary = metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault()?.Summary ?? name.Summary ?? operation.Summary;
        }
        else
        {
            operation.OperationId ??= Derived(description.HttpMethod, description.RelativePath);
        }

        if (!metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null))
        {
            // Public (health, metrics) or verified otherwise (a provider's signed callback): no Herald credential.
            operation.Security = [];
        }

        return Task.CompletedTask;
    }

    /// <summary>"METHOD path" without a trailing slash or route constraints (<c>{version:int}</c> is <c>{version}</c>).</summary>
    public static string RouteKey(string? method, string? relativePath) =>
        $"{method} {System.Text.RegularExpressions.Regex.Replace(relativePath?.TrimEnd('/') ?? "", "{([^}:]+):[^}]*}", "{$1}")}";

    /// <summary>The fallback for a route the table does not name: the method and the path's literal segments, camelCase.</summary>
    public static string Derived(string? method, string? relativePath)
    {
        var words = (relativePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim('{', '}').Split(':')[0])
            .SelectMany(s => s.Split('-', '_', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        return (method ?? "get").ToLowerInvariant() + string.Concat(words);
    }
}
