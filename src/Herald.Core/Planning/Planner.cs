using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Herald.Core.Webhooks;

namespace Herald.Core.Planning;

/// <summary>
/// Plan and render: turns a notification into deliveries, one per channel and target, each with its rendered content.
/// Everything happens in memory; the caller writes the result in one batch.
/// </summary>
public sealed class Planner(IUserStore users, IWebhookEndpointStore endpoints, TemplateCatalog templates, TemplateRenderer renderer, TimeProvider time,
    Digests.DigestRules? digests = null, PipelineOptionsAccessor? options = null, TemplateLibraries? libraries = null)
{
    /// <summary>
    /// Plans a batch: the recipients' profiles and rules, devices and webhook endpoints are read set-based first (three
    /// statements for the batch instead of one to three per notification), then each notification is planned in memory.
    /// </summary>
    public async Task<IReadOnlyList<PlanResult>> PlanBatchAsync(IReadOnlyList<Notification> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // A batch may mix environments: a recipient is a user of the notification's environment, never another's of the same id.
        var ids = batch.Where(n => !LifecycleEvents.IsOperational(n.RecipientId)).Select(RecipientOf).Distinct().ToList();
        var recipients = new Dictionary<UserKey, Recipient>();
        if (ids.Count > 0)
        {
            // Devices and endpoints only for the recipients of notifications that can plan push or webhook (the channels
            // asked for, or else the template's, which the catalog has cached; escalation steps too).
            var push = new HashSet<UserKey>();
            var hook = new HashSet<UserKey>();
            foreach (var n in batch.Where(n => !LifecycleEvents.IsOperational(n.RecipientId)))
            {
                var channels = n.Channels ?? (await templates.GetSendableAsync(n.EnvironmentId, n.TemplateId, n.TemplateVersion, ct)).Template?.Channels.Keys.ToList() ?? [];
                var all = channels.Concat(n.Options?.Escalation?.Select(e => e.Channel) ?? []).ToList();
                if (all.Contains(Channel.Push))
                {
                    push.Add(RecipientOf(n));
                }

                if (all.Contains(Channel.Webhook))
                {
                    hook.Add(RecipientOf(n));
                }
            }

            var profiles = await users.GetRecipientsAsync(ids, ct);
            var devices = push.Count > 0 ? await users.GetDevicesAsync(push, ct) : null;
            // Endpoints are one environment's: one read per environment of the batch (one, but for a batch that mixes them).
            var hooks = new Dictionary<UserKey, IReadOnlyList<WebhookEndpoint>>();
            foreach (var group in hook.GroupBy(h => h.EnvironmentId, StringComparer.Ordinal))
            {
                foreach (var (id, list) in await endpoints.GetEndpointsForRecipientsAsync(group.Key, [.. group.Select(h => h.UserId)], ct))
                {
                    hooks[new UserKey(group.Key, id)] = list;
                }
            }

            foreach (var key in ids)
            {
                var (profile, rules) = profiles[key];
                recipients[key] = new Recipient(profile, rules, devices?.GetValueOrDefault(key), hooks.GetValueOrDefault(key));
            }
        }

        var results = new List<PlanResult>(batch.Count);
        foreach (var n in batch)
        {
            results.Add(await PlanAsync(n, recipients.GetValueOrDefault(RecipientOf(n)), ct));
        }

        return results;
    }

    private static UserKey RecipientOf(Notification n) => new(n.EnvironmentId, n.RecipientId);

    public Task<PlanResult> PlanAsync(Notification n, CancellationToken ct) => PlanAsync(n, null, ct);

    private async Task<PlanResult> PlanAsync(Notification n, Recipient? loaded, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(n);
        using var activity = HeraldTracing.Continue("herald.plan", ActivityKind.Internal, n.TraceParent);
        activity?.SetTag("herald.notification_id", n.Id);
        // The deliveries continue from this span, so the trace reads ingest → plan → deliver.
        n = n with { TraceParent = HeraldTracing.TraceParent(activity) ?? n.TraceParent };
        var trace = new List<TraceEntry>();
        if (LifecycleEvents.IsOperational(n.RecipientId))
        {
            return await PlanLifecycleAsync(n, trace, ct);
        }

        if (n.Options?.ExpiresAt is { } expires && time.GetUtcNow() >= expires)
        {
            trace.Add(Entry(n, null, "expired", $"expired at {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z before it was planned; nothing sent"));
            return new PlanResult(n.Id, [], trace, NotificationStatus.Expired);
        }

        var isDigest = Digests.DigestNotifications.IsDigest(n);
        var recipient = loaded;
        if (!isDigest && digests is not null && await digests.GetAsync(n.EnvironmentId, n.EventType, ct) is { } rule)
        {
            // The rule's batch is the default; a recipient's own choice (a preference for channel "*") overrides it either way.
            recipient ??= await Recipient.LoadAsync(n, users, ct);
            var choice = PreferenceMatcher.DigestChoice(recipient.Rules, n.EventType);
            if (choice ?? rule.Batch)
            {
                // Not sent alone: recorded, and appended to the open digest of its recipient and key in the planning transaction.
                var key = Digests.DigestNotifications.GroupKey(rule.GroupBy, Data(n));
                var closes = time.GetUtcNow() + rule.Window;
                trace.Add(Entry(n, null, "digested", $"batched by the {n.EventType} digest rule" + (choice is null ? "" : " (the recipient's choice)")
                    + (rule.GroupBy is null ? "" : $" ({rule.GroupBy} = {key})")
                    + $": sent in one digest with the others of its window ({rule.Window}, at most {rule.MaxItems} items)"));
                return new PlanResult(n.Id, [], trace, NotificationStatus.Digested, new Digests.DigestAppend(n.RecipientId, n.EventType, Digests.DigestKinds.Batch, key, n.Id, "",
                    n.Data, closes, rule.MaxItems, rule.TemplateId, n.Channels, n.EnvironmentId));
            }
        }

        var (lookup, template) = await templates.GetSendableAsync(n.EnvironmentId, n.TemplateId, n.TemplateVersion, ct);
        if (template is null)
        {
            trace.Add(Entry(n, null, "failed", $"template {n.TemplateId} is not sendable ({lookup})"));
            return new PlanResult(n.Id, [], trace, NotificationStatus.Completed);
        }

        recipient ??= await Recipient.LoadAsync(n, users, ct);
        var data = Data(n);
        var steps = n.Options?.Escalation ?? [];
        var channels = (n.Channels ?? [.. template.Channels.Keys]).Where(c => !steps.Any(s => s.Channel == c));
        var deliveries = new List<Delivery>();
        foreach (var channel in channels)
        {
            deliveries.AddRange(await PlanChannelAsync(n, channel, template, recipient, data, trace, ct));
        }

        await PlanFallbackAtOnceAsync(n, [.. channels], template, recipient, data, deliveries, trace, ct);

        foreach (var step in steps)
        {
            // An escalation waits, deferred, until its delay has passed since the notification was due (when its in-app
            // item appeared); the gate then cancels it if that item was read, and reading the item cancels it at once.
            var due = n.DueAt + step.After;
            var planned = await PlanChannelAsync(n, step.Channel, template, recipient, data, trace, ct);
            deliveries.AddRange(planned.Select(d => d with { Status = DeliveryStatus.Deferred, DueAt = due, Condition = DeliveryConditions.InAppUnread }));
            if (planned.Count > 0)
            {
                trace.Add(Entry(n, step.Channel, "escalation", $"sent at {due.UtcDateTime:HH:mm:ss}Z only if the in-app item is still unread then"));
            }
        }

        if (isDigest)
        {
            // A digest's own deliveries are never folded into another digest.
            deliveries = [.. deliveries.Select(d => d with { Condition = DeliveryConditions.Digest })];
        }

        trace.Add(Entry(n, null, "planned", deliveries.Count == 0 ? "no deliveries: nothing to send" : $"{deliveries.Count} deliveries planned"));
        return new PlanResult(n.Id, deliveries, trace, deliveries.Count == 0 ? NotificationStatus.Completed : NotificationStatus.Processing);
    }

    /// <summary>
    /// A lifecycle event: one webhook delivery per enabled operational endpoint subscribed to its type (read from the store,
    /// not the subscriber cache). The notification's data is the finished Standard Webhooks payload.
    /// </summary>
    private async Task<PlanResult> PlanLifecycleAsync(Notification n, List<TraceEntry> trace, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var hash = ContentHash(n, Channel.Webhook, n.Data);
        var deliveries = (await endpoints.GetOperationalEndpointsAsync(n.EnvironmentId, ct))
            .Where(e => EndpointSubscription.Matches(e, n.EventType))
            .Select(e => new Delivery(Ids.New("dlv", time), n.Id, n.RecipientId, n.EventType, Channel.Webhook, n.Priority, e.Url, e.Id, null,
                DeliveryStatus.Queued, 0, null, n.Data, hash, n.DueAt, null, null, now, now, EnvironmentId: n.EnvironmentId))
            .ToList();
        trace.Add(Entry(n, Channel.Webhook, deliveries.Count == 0 ? "skipped" : "queued", deliveries.Count == 0
            ? "lifecycle event: no enabled operational endpoint subscribes to it"
            : $"lifecycle event queued for {deliveries.Count} operational endpoints"));
        return new PlanResult(n.Id, deliveries, trace, deliveries.Count == 0 ? NotificationStatus.Completed : NotificationStatus.Processing);
    }

    /// <summary>
    /// A channel of the notification's fallback chain that got no delivery (no target: no device, no phone; or its render
    /// failed) falls back at once, at plan time, to the next channel of the chain the notification does not already go to.
    /// A channel the recipient turned off (not urgent) does not fall back: that is the recipient's choice, not a failure.
    /// </summary>
    private async Task PlanFallbackAtOnceAsync(Notification n, List<Channel> asked, TemplateDefinition template, Recipient recipient, JsonObject data,
        List<Delivery> deliveries, List<TraceEntry> trace, CancellationToken ct)
    {
        if (options?.Value.Fallback(n.Priority, template.Fallback) is not { } policy)
        {
            return;
        }

        foreach (var channel in asked)
        {
            if (!policy.Chain.Contains(channel) || deliveries.Any(d => d.Channel == channel)
                || (n.Priority != Priority.Urgent && PreferenceMatcher.Match(recipient.Rules, n.EventType, channel.ToWire()) is { Enabled: false }))
            {
                continue;
            }

            foreach (var next in policy.Following(channel))
            {
                if (asked.Contains(next) || deliveries.Any(d => d.Channel == next))
                {
                    break;
                }

                trace.Add(Entry(n, next, "fallback", $"{channel.ToWire()} got no delivery; falling back to {next.ToWire()} at once"));
                var planned = await PlanChannelAsync(n, next, template, recipient, data, trace, ct);
                deliveries.AddRange(planned);
                if (planned.Count > 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Plans one more channel for a notification already planned (channel fallback).</summary>
    public async Task<(IReadOnlyList<Delivery> Deliveries, IReadOnlyList<TraceEntry> Trace)> PlanFallbackAsync(Notification n, Channel channel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(n);
        var trace = new List<TraceEntry>();
        var (_, template) = await templates.GetSendableAsync(n.EnvironmentId, n.TemplateId, n.TemplateVersion, ct);
        if (template is null)
        {
            return ([], trace);
        }

        var recipient = await Recipient.LoadAsync(n, users, ct);
        var deliveries = await PlanChannelAsync(n, channel, template, recipient, Data(n), trace, ct);
        return (deliveries, trace);
    }

    private async Task<List<Delivery>> PlanChannelAsync(Notification n, Channel channel, TemplateDefinition template, Recipient recipient, JsonObject data, List<TraceEntry> trace, CancellationToken ct)
    {
        var wire = channel.ToWire();
        var rule = PreferenceMatcher.Match(recipient.Rules, n.EventType, wire);
        if (rule is { Enabled: false })
        {
            if (n.Priority != Priority.Urgent)
            {
                trace.Add(Entry(n, channel, "skipped", $"disabled by preference {rule.EventType}/{rule.Channel}"));
                return [];
            }

            trace.Add(Entry(n, channel, "bypassed", $"urgent: preference {rule.EventType}/{rule.Channel} (disabled) bypassed"));
        }

        var targets = await TargetsAsync(n, channel, recipient, ct);
        if (targets.Count == 0)
        {
            trace.Add(Entry(n, channel, "skipped", NoTargetReason(channel)));
            return [];
        }

        string content;
        try
        {
            // The environment's layouts and partials, and the recipient's locale and time zone for the formatting helpers.
            var render = new TemplateRenderContext(recipient.Profile?.Locale, recipient.Profile?.TimeZone, libraries is null ? null : await libraries.GetAsync(n.EnvironmentId, ct));
            content = channel == Channel.Webhook ? WebhookPayload(n, template, render, data) : renderer.Render(template, channel, data, render).ToJsonString();
        }
        catch (TemplateException ex)
        {
            trace.Add(Entry(n, channel, "failed", $"render failed at {ex.Field}: {ex.Message}"));
            return [];
        }

        var now = time.GetUtcNow();
        var hash = ContentHash(n, channel, content);
        // A delivery is due when its notification was: lanes and the relay take work oldest-notification first, so one
        // recipient's notifications go out in the order they were accepted, whichever process planned them.
        var result = new List<Delivery>(targets.Count);
        var dedup = DedupWindow(n, template);
        foreach (var (target, targetRef, platform, held) in targets)
        {
            result.Add(new Delivery(Ids.New("dlv", time), n.Id, n.RecipientId, n.EventType, channel, n.Priority, target, targetRef, null,
                held ? DeliveryStatus.Held : DeliveryStatus.Queued, 0, held ? "webhook endpoint is disabled" : null, content, hash, n.DueAt, null, null, now, now, platform,
                TraceParent: n.TraceParent, ExpiresAt: n.Options?.ExpiresAt, DedupWindow: dedup, EnvironmentId: n.EnvironmentId));
        }

        var heldCount = targets.Count(t => t.Held);
        if (heldCount < targets.Count)
        {
            var queued = targets.Count - heldCount;
            trace.Add(Entry(n, channel, "queued", queued == 1 ? $"rendered (template {template.TemplateId} v{template.Version}) and queued" : $"rendered and queued for {queued} targets"));
        }

        if (heldCount > 0)
        {
            trace.Add(Entry(n, channel, DeliveryStatus.Held, $"held for {heldCount} disabled webhook endpoint(s): sent when enabled again, or by a recover"));
        }

        return result;
    }

    /// <summary>
    /// The content-dedup window the gate applies to the notification's deliveries: its template's <c>dedup</c> setting, else
    /// Herald:Pipeline's (<c>DedupWindow</c>, <c>DedupUrgent</c>); zero (off) for urgent unless either says otherwise.
    /// Stamped at plan time, so the gate reads no template at claim time and follows the notification's own template.
    /// </summary>
    private TimeSpan? DedupWindow(Notification n, TemplateDefinition template)
    {
        if (options?.Value is not { } o)
        {
            return null;
        }

        return n.Priority != Priority.Urgent || (template.Dedup?.Urgent ?? o.DedupUrgent) ? template.Dedup?.Window ?? o.DedupWindow : TimeSpan.Zero;
    }

    /// <summary>Where a channel goes; <c>Held</c> marks a disabled webhook endpoint whose subscription matches (kept, not sent).</summary>
    private async Task<List<(string Target, string? Ref, string? Platform, bool Held)>> TargetsAsync(Notification n, Channel channel, Recipient recipient, CancellationToken ct)
    {
        switch (channel)
        {
            case Channel.InApp:
                return [(n.RecipientId, null, null, false)];
            case Channel.Email:
                return recipient.Profile?.Email is { } email ? [(email, null, null, false)] : [];
            case Channel.Sms:
                return recipient.Profile?.Phone is { } phone ? [(phone, null, null, false)] : [];
            case Channel.Push:
                return [.. (recipient.Devices ?? await users.GetDevicesAsync(n.EnvironmentId, n.RecipientId, ct)).Select(d => (d.Token, (string?)d.Id, (string?)d.Platform, false))];
            default:
                var list = recipient.Endpoints ?? await endpoints.GetEndpointsForRecipientAsync(n.EnvironmentId, n.RecipientId, ct);
                return [.. list.Where(e => EndpointSubscription.Matches(e, n.EventType)).Select(e => (e.Url, (string?)e.Id, (string?)null, !e.Enabled))];
        }
    }

    private string WebhookPayload(Notification n, TemplateDefinition template, TemplateRenderContext render, JsonObject requestData)
    {
        JsonNode data;
        if (renderer.TryResolveParts(template, Channel.Webhook, render.Locale) is not null)
        {
            var rendered = renderer.Render(template, Channel.Webhook, requestData, render);
            data = rendered["payload"]?.DeepClone() ?? rendered;
        }
        else
        {
            data = new JsonObject { ["notification_id"] = n.Id, ["recipient_id"] = n.RecipientId, ["data"] = requestData.DeepClone() };
        }

        var payload = new JsonObject { ["type"] = n.EventType, ["timestamp"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["data"] = data };
        return payload.ToJsonString();
    }

    /// <summary>Parsed once per notification and shared by every channel it renders.</summary>
    private static JsonObject Data(Notification n) => JsonNode.Parse(n.Data) as JsonObject ?? [];

    private static string ContentHash(Notification n, Channel channel, string content)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{n.RecipientId}\n{n.EventType}\n{channel.ToWire()}\n{content}"));
        return Convert.ToHexString(bytes, 0, 16);
    }

    private static string NoTargetReason(Channel channel) => channel switch
    {
        Channel.Email => "recipient has no email address",
        Channel.Sms => "recipient has no phone number",
        Channel.Push => "recipient has no registered device",
        _ => "recipient has no webhook endpoint for this event type",
    };

    private TraceEntry Entry(Notification n, Channel? channel, string decision, string reason) =>
        new(n.Id, time.GetUtcNow(), "plan", channel?.ToWire(), decision, reason);

    /// <summary>What planning reads of a recipient; devices and endpoints are read when first needed unless a batch read them.</summary>
    private sealed record Recipient(UserProfile? Profile, IReadOnlyList<PreferenceRule> Rules, IReadOnlyList<Device>? Devices = null,
        IReadOnlyList<WebhookEndpoint>? Endpoints = null)
    {
        public static async Task<Recipient> LoadAsync(Notification n, IUserStore users, CancellationToken ct)
        {
            var (profile, rules) = await users.GetRecipientAsync(n.EnvironmentId, n.RecipientId, ct);
            return new Recipient(profile, rules);
        }
    }
}
