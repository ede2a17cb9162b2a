using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Retries;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Core.Gate;

/// <summary>
/// The gate, run at claim time so a preference changed while a delivery waited is honoured: opt-outs, quiet hours,
/// frequency caps and rate limits (urgent bypasses these, and meets its own ceiling instead), then content dedup over
/// the event type's window (urgent only where configured).
/// </summary>
public sealed class DeliveryGate : IDispatchGate
{
    private readonly PipelineOptions _options;
    private readonly Dictionary<Channel, RateLimit> _limits = [];
    private readonly Dictionary<Channel, RateLimit> _ceilings = [];

    private readonly HeraldMetrics? _metrics;

    private readonly Digests.DigestRules? _digests;

    public DeliveryGate(IOptions<PipelineOptions> options, HeraldMetrics? metrics = null, Digests.DigestRules? digests = null)
    {
        _metrics = metrics;
        _digests = digests;
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        foreach (var (name, spec) in _options.RateLimits)
        {
            if (ChannelNames.TryParseChannel(name, out var channel))
            {
                _limits[channel] = RateLimit.Parse(spec);
            }
        }

        foreach (var (name, spec) in _options.UrgentCeilings)
        {
            if (ChannelNames.TryParseChannel(name, out var channel) && RateLimit.ParseOptional(spec) is { } ceiling)
            {
                _ceilings[channel] = ceiling;
            }
        }
    }

    /// <summary>The window of a preference rule's frequency cap ("at most N per day").</summary>
    public static readonly TimeSpan FrequencyCapWindow = TimeSpan.FromDays(1);

    /// <summary>How long a delivery waits after a throttled earlier one of its recipient is due (the settlement's shortest throttle).</summary>
    public static readonly TimeSpan OrderStep = TimeSpan.FromMilliseconds(200);

    public TimeSpan CountWindow(Channel channel, Priority priority) =>
        (priority == Priority.Urgent ? _ceilings : _limits).TryGetValue(channel, out var window) ? window.Window : TimeSpan.Zero;

    /// <summary>The planner's stamped window (template and priority); an older delivery without one gets the defaults.</summary>
    public TimeSpan DedupWindow(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.DedupWindow ?? (delivery.Priority != Priority.Urgent || _options.DedupUrgent ? _options.DedupWindow : TimeSpan.Zero);
    }

    public GateDecision Decide(Delivery delivery, IGateContext context, DateTimeOffset now)
    {
        var (decision, reason) = DecideWithReason(delivery, context, now);
        // An email a rate limit (or frequency cap) defers is folded into one digest email when its event type's rule says so.
        if (decision is GateDecision.Defer defer && reason is "rate_limit" or "frequency_cap" && delivery.Channel == Channel.Email && delivery.Condition is null
            && _digests?.Cached(delivery.EnvironmentId, delivery.EventType) is { FoldRateLimited: true } rule)
        {
            (decision, reason) = (new GateDecision.Fold(defer.Until, "gate", $"{defer.Reason}; folded into one digest email sent then", rule.TemplateId), "folded");
        }
        // Nothing waits past its expiry: a deferral (or fold) that would end after it expires the delivery now.
        if (delivery.ExpiresAt is { } expires && decision is GateDecision.Defer or GateDecision.Fold)
        {
            var (until, why) = decision is GateDecision.Defer d ? (d.Until, d.Reason) : (((GateDecision.Fold)decision).Until, ((GateDecision.Fold)decision).Reason);
            if (until >= expires)
            {
                (decision, reason) = (new GateDecision.Suppress("gate", $"expired: {why}, but it expires at {Format(expires)}", DeliveryStatus.Expired), "expired");
            }
        }

        // Counted when decided: a claim transaction that then rolls back (rare: a store failure) counts once more on retry.
        switch (decision)
        {
            case GateDecision.Defer or GateDecision.Fold:
                _metrics?.Deferred(delivery.Channel, reason, delivery.EnvironmentId);
                break;
            case GateDecision.Suppress:
                _metrics?.Suppressed(delivery.Channel, reason, delivery.EnvironmentId);
                break;
        }

        return decision;
    }

    private (GateDecision Decision, string Reason) DecideWithReason(Delivery delivery, IGateContext context, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(context);
        var wire = delivery.Channel.ToWire();
        if (delivery.ExpiresAt is { } expires && now >= expires)
        {
            // Every priority: an OTP that arrives after it expired is worse than none.
            return (new GateDecision.Suppress("gate", $"expired at {Format(expires)} before it could be sent", DeliveryStatus.Expired), "expired");
        }

        if (delivery.Condition == DeliveryConditions.InAppUnread && context.InAppReadAt(delivery.NotificationId) is { } read)
        {
            return (new GateDecision.Suppress("gate", $"in-app item read at {Format(read)}; escalation to {wire} cancelled", DeliveryStatus.Cancelled), "escalation_read");
        }

        // Only email addresses and phone numbers are ever suppressed (push tokens are removed instead), so in-app, push and
        // webhook claims skip the look-up.
        if (delivery.Channel is Channel.Email or Channel.Sms && context.Suppression(delivery.EnvironmentId, delivery.Channel, delivery.Target) is { } suppressed)
        {
            // Not even urgent bypasses this: the address bounced, complained or opted out at the carrier.
            return (new GateDecision.Suppress("gate", $"{delivery.Target} is on the {wire} suppression list ({suppressed})"), "suppression_list");
        }

        if (delivery.Priority != Priority.Urgent)
        {
            var rule = PreferenceMatcher.Match(context.Rules(delivery.EnvironmentId, delivery.RecipientId), delivery.EventType, wire);
            if (rule is { Enabled: false })
            {
                return (new GateDecision.Suppress("gate", $"disabled by preference {rule.EventType}/{rule.Channel}"), "preference");
            }

            if (rule?.QuietHours is { } quiet && QuietHoursCalculator.TryFindTimeZone(quiet.TimeZone, out _) && QuietHoursCalculator.DeferUntil(quiet, now) is { } until)
            {
                return (new GateDecision.Defer(until, "gate", $"quiet hours until {quiet.End.ToString("HH:mm", CultureInfo.InvariantCulture)} {quiet.TimeZone}"), "quiet_hours");
            }

            if (rule?.SendWindow is { } window && QuietHoursCalculator.TryFindTimeZone(window.TimeZone, out _) && SendWindowCalculator.DeferUntil(window, now) is { } opens)
            {
                return (new GateDecision.Defer(opens, "gate", $"outside the send window ({Days(window)} {window.Start.ToString("HH:mm", CultureInfo.InvariantCulture)}–{window.End.ToString("HH:mm", CultureInfo.InvariantCulture)} {window.TimeZone}); deferred to {Format(opens)}"), "send_window");
            }

            if (rule?.FrequencyCap is { } cap)
            {
                var day = FrequencyCapWindow;
                var sends = context.RecentSends(delivery.EnvironmentId, delivery.RecipientId, delivery.Channel, now - day, rule.EventType);
                if (SlidingWindowLimit.DeferUntil(sends, cap, day, now) is { } capUntil)
                {
                    return (new GateDecision.Defer(capUntil, "gate", $"frequency cap {cap}/day for {rule.EventType} reached; deferred to {Format(capUntil)}"), "frequency_cap");
                }
            }

            if (_limits.TryGetValue(delivery.Channel, out var limit))
            {
                var sends = context.RecentSends(delivery.EnvironmentId, delivery.RecipientId, delivery.Channel, now - limit.Window);
                if (SlidingWindowLimit.DeferUntil(sends, limit.Count, limit.Window, now) is { } limitUntil)
                {
                    return (new GateDecision.Defer(limitUntil, "gate", $"rate limited ({limit.Count} per {limit.Window}); deferred to {Format(limitUntil)}"), "rate_limit");
                }
            }
        }
        else if (_ceilings.TryGetValue(delivery.Channel, out var ceiling))
        {
            // Suppressed, not deferred: an urgent message is worth little an hour late, and a loop deferred would only pile
            // up a backlog that floods the user when the window opens. Every priority's sends of the event type count.
            var sends = context.RecentSends(delivery.EnvironmentId, delivery.RecipientId, delivery.Channel, now - ceiling.Window, delivery.EventType);
            if (sends.Count >= ceiling.Count)
            {
                return (new GateDecision.Suppress("gate", $"urgent ceiling of {ceiling.Count} {wire} per {Describe(ceiling.Window)} for {delivery.EventType} reached ({sends.Count} sent since {Format(now - ceiling.Window)})"), "urgent_ceiling");
            }
        }

        var dedupWindow = DedupWindow(delivery);
        if (dedupWindow > TimeSpan.Zero
            && context.SameContentSent(delivery.EnvironmentId, delivery.RecipientId, delivery.Channel, delivery.ContentHash, delivery.NotificationId, now - dedupWindow) is { } earlier)
        {
            return (new GateDecision.Suppress("gate", $"duplicate of delivery {earlier}: same content sent within {Describe(dedupWindow)}"), "duplicate");
        }

        // Last, so anything that would stop it anyway does: behind a throttled earlier message it waits for that one's slot
        // and a step more (by then that one is claimed, or throttled again and still ahead), so the user never gets them swapped.
        if (context.ThrottledAhead(delivery, now) is { } ahead)
        {
            var until = (ahead.Due > now ? ahead.Due : now) + OrderStep;
            return (new GateDecision.Defer(until, "gate",
                $"keeps the recipient's order behind delivery {ahead.DeliveryId}, which the provider throttled ({(ahead.Due > now ? "due " + Format(ahead.Due) : "being sent")}); deferred to {Format(until)}"),
                "throttled_order");
        }

        return (GateDecision.Go, "none");
    }

    /// <summary>A window as people write it: 90 s, 10 min, 1 h, 1 d.</summary>
    private static string Describe(TimeSpan window) => window switch
    {
        _ when window.TotalDays >= 1 && window.TotalDays == Math.Floor(window.TotalDays) => $"{window.TotalDays:0} d",
        _ when window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) => $"{window.TotalHours:0} h",
        _ when window.TotalMinutes >= 1 && window.TotalMinutes == Math.Floor(window.TotalMinutes) => $"{window.TotalMinutes:0} min",
        _ => string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0.###} s"),
    };

    private static string Days(SendWindow window) =>
        string.Join(',', window.Days.Select(d => d.ToString()[..3].ToLowerInvariant()));

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
