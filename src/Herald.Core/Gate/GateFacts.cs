using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Core.Gate;

/// <summary>
/// What a store counts for one environment's recipient and channel: the sends claimed after <see cref="Since"/>, with their
/// event types where <see cref="EventTypes"/> (a decision filters by event type).
/// </summary>
public readonly record struct CountRange(string EnvironmentId, string RecipientId, Channel Channel, DateTimeOffset Since, bool EventTypes);

/// <summary>One delivery the gate counts as sent: claimed (sending or beyond) to this recipient on this channel.</summary>
/// Counted per environment: the same user id in another environment is another recipient.
public readonly record struct RecentSend(string RecipientId, Channel Channel, DateTimeOffset ClaimedAt, string EventType, string ContentHash, string NotificationId, string DeliveryId,
    string EnvironmentId = Environments.Default);

/// <summary>
/// The gate's inputs for a whole claim batch, loaded set-based by the store before any decision, then read in memory:
/// the two-phase gate (load, then <see cref="IDispatchGate.Decide"/> as a pure function over these facts). The store loads
/// them inside the claim transaction after locking the batch's recipients, so they are exact; <see cref="Claimed"/> adds
/// each claim decided in the batch, so a later delivery of the same recipient counts it, as one-by-one claims would.
/// </summary>
public sealed class GateFacts : IGateContext
{
    private readonly Dictionary<(string, string), IReadOnlyList<PreferenceRule>> _rules = [];
    private readonly Dictionary<(string, Channel, string), string> _suppressions = [];
    private readonly Dictionary<(string, string, Channel), List<(DateTimeOffset At, string? EventType)>> _counted = [];
    private readonly Dictionary<(string, string, Channel, string), List<RecentSend>> _sameContent = [];
    private readonly Dictionary<string, DateTimeOffset> _readAt = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, Channel), List<(Priority Priority, string NotificationId, string DeliveryId, DateTimeOffset? Due)>> _throttled = [];

    public void AddRules(string environmentId, string userId, IReadOnlyList<PreferenceRule> rules) => _rules[(environmentId, userId)] = rules;

    public void AddSuppression(string environmentId, Channel channel, string address, string reason) => _suppressions[(environmentId, channel, address)] = reason;

    public void AddReadAt(string notificationId, DateTimeOffset readAt) => _readAt[notificationId] = readAt;

    /// <summary>A delivery a provider throttled that has not gone out since: deferred to <paramref name="due"/>, or in flight (null).</summary>
    public void AddThrottled(string environmentId, string recipientId, Channel channel, Priority priority, string notificationId, string deliveryId, DateTimeOffset? due)
    {
        if (!_throttled.TryGetValue((environmentId, recipientId, channel), out var list))
        {
            _throttled[(environmentId, recipientId, channel)] = list = [];
        }

        list.Add((priority, notificationId, deliveryId, due));
    }

    /// <summary>The latest claim time among the loaded sends (<see cref="DateTimeOffset.MinValue"/> when none).</summary>
    public DateTimeOffset LatestSend { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>
    /// A send loaded from the store for counting (rate limits, urgent ceilings, frequency caps); add them in ascending
    /// claim time. It also answers content dedup, as every real send may.
    /// </summary>
    public void AddSend(RecentSend send)
    {
        AddCounted(send.EnvironmentId, send.RecipientId, send.Channel, send.ClaimedAt, send.EventType);
        AddSameContent(send);
    }

    /// <summary>
    /// A send loaded for counting only, in ascending claim time: when it was claimed and, where a decision filters by event
    /// type (an urgent ceiling, a frequency cap; <see cref="CountRanges"/> says which), its event type. A send loaded without
    /// one counts under every event-type filter (the safe side of a limit).
    /// </summary>
    public void AddCounted(string environmentId, string recipientId, Channel channel, DateTimeOffset claimedAt, string? eventType)
    {
        if (!_counted.TryGetValue((environmentId, recipientId, channel), out var list))
        {
            _counted[(environmentId, recipientId, channel)] = list = [];
        }

        list.Add((claimedAt, eventType));
        if (claimedAt > LatestSend)
        {
            LatestSend = claimedAt;
        }
    }

    /// <summary>
    /// A send the store's content probe found (<see cref="ContentProbes"/>: the latest send of the same content to the same
    /// recipient and channel, of another notification, within the delivery's dedup window). Used for dedup only, never counted.
    /// </summary>
    public void AddSameContent(RecentSend send)
    {
        if (!_sameContent.TryGetValue((send.EnvironmentId, send.RecipientId, send.Channel, send.ContentHash), out var list))
        {
            _sameContent[(send.EnvironmentId, send.RecipientId, send.Channel, send.ContentHash)] = list = [];
        }

        list.Add(send);
        if (send.ClaimedAt > LatestSend)
        {
            LatestSend = send.ClaimedAt;
        }
    }

    /// <summary>The gate let <paramref name="delivery"/> through at <paramref name="at"/>: later decisions of the batch count it.</summary>
    public void Claimed(Delivery delivery, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        AddSend(new RecentSend(delivery.RecipientId, delivery.Channel, at, delivery.EventType, delivery.ContentHash, delivery.NotificationId, delivery.Id,
            delivery.EnvironmentId));
    }

    /// <summary>
    /// The sends a store counts for a claim batch: per recipient and channel, from when (the longest window the gate counts
    /// over for the batch's priorities on that channel: the rate limit, the urgent ceiling, a day for a frequency cap among
    /// <paramref name="rulesOf"/>'s rules). Pairs nothing counts on are left out, so a channel without a limit (webhooks by
    /// default) loads no sends at all. <paramref name="rulesOf"/> null: caps not known yet (a store may load these first and
    /// the capped pairs' day once the rules are read).
    /// </summary>
    public static List<CountRange> CountRanges(IDispatchGate gate, IEnumerable<Delivery> candidates,
        Func<string, string, IReadOnlyList<PreferenceRule>>? rulesOf, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(candidates);
        var windows = new Dictionary<(string, string, Channel), (TimeSpan Window, bool EventTypes)>();
        foreach (var d in candidates)
        {
            var window = gate.CountWindow(d.Channel, d.Priority);
            // An urgent ceiling counts the delivery's own event type; a rate limit counts every event type.
            var eventTypes = d.Priority == Priority.Urgent && window > TimeSpan.Zero;
            if (d.Priority != Priority.Urgent && rulesOf is not null)
            {
                foreach (var rule in rulesOf(d.EnvironmentId, d.RecipientId))
                {
                    if (rule.FrequencyCap is not null)
                    {
                        window = window < DeliveryGate.FrequencyCapWindow ? DeliveryGate.FrequencyCapWindow : window;
                        eventTypes = true;
                        break;
                    }
                }
            }

            if (window <= TimeSpan.Zero)
            {
                continue;
            }

            var key = (d.EnvironmentId, d.RecipientId, d.Channel);
            windows[key] = windows.TryGetValue(key, out var known)
                ? (window > known.Window ? window : known.Window, eventTypes || known.EventTypes)
                : (window, eventTypes);
        }

        return [.. windows.Select(w => new CountRange(w.Key.Item1, w.Key.Item2, w.Key.Item3, now - w.Value.Window, w.Value.EventTypes))];
    }

    /// <summary>
    /// The content-dedup questions of a claim batch, one per delivery whose dedup window is open: the store answers each
    /// with the latest in-flight or sent delivery of the same environment, recipient, channel and content hash, of another
    /// notification, claimed after Since (<see cref="AddSameContent"/>). An index range probe per delivery, as the gate asked
    /// one by one before, instead of every send of a busy recipient over the window.
    /// </summary>
    public static List<(string EnvironmentId, string RecipientId, Channel Channel, string ContentHash, string NotificationId, DateTimeOffset Since)> ContentProbes(
        IDispatchGate gate, IEnumerable<Delivery> candidates, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(candidates);
        var probes = new Dictionary<(string, string, Channel, string, string), DateTimeOffset>();
        foreach (var d in candidates)
        {
            var window = gate.DedupWindow(d);
            if (window <= TimeSpan.Zero)
            {
                continue;
            }

            var key = (d.EnvironmentId, d.RecipientId, d.Channel, d.ContentHash, d.NotificationId);
            if (!probes.TryGetValue(key, out var since) || now - window < since)
            {
                probes[key] = now - window;
            }
        }

        return [.. probes.Select(p => (p.Key.Item1, p.Key.Item2, p.Key.Item3, p.Key.Item4, p.Key.Item5, p.Value))];
    }

    public IReadOnlyList<PreferenceRule> Rules(string environmentId, string userId) => _rules.TryGetValue((environmentId, userId), out var rules) ? rules : [];

    public IReadOnlyList<DateTimeOffset> RecentSends(string environmentId, string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null)
    {
        if (!_counted.TryGetValue((environmentId, recipientId, channel), out var list))
        {
            return [];
        }

        var result = new List<DateTimeOffset>();
        foreach (var (at, eventType) in list)
        {
            if (at > since && (eventType is null || Matches(eventType, eventTypePattern)))
            {
                result.Add(at);
            }
        }

        return result;
    }

    public string? SameContentSent(string environmentId, string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since) =>
        _sameContent.TryGetValue((environmentId, recipientId, channel, contentHash), out var list) && list.FindLastIndex(s => s.ClaimedAt > since
            && !string.Equals(s.NotificationId, notificationId, StringComparison.Ordinal)) is var i and >= 0
            ? list[i].DeliveryId : null;

    public string? Suppression(string environmentId, Channel channel, string address) => _suppressions.GetValueOrDefault((environmentId, channel, address));

    public DateTimeOffset? InAppReadAt(string notificationId) => _readAt.TryGetValue(notificationId, out var at) ? at : null;

    public ThrottledAhead? ThrottledAhead(Delivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (_throttled.Count == 0 || !_throttled.TryGetValue((delivery.EnvironmentId, delivery.RecipientId, delivery.Channel), out var list))
        {
            return null;
        }

        ThrottledAhead? last = null;
        foreach (var t in list)
        {
            // Claimed in this batch (or due now): it is about to be sent, and this one must not overtake it.
            var due = t.Due is { } d && d > now ? d : now;
            if (t.Priority == delivery.Priority && string.CompareOrdinal(t.NotificationId, delivery.NotificationId) < 0 && (last is null || due > last.Value.Due))
            {
                last = new ThrottledAhead(t.DeliveryId, due);
            }
        }

        return last;
    }

    /// <summary>The stores' event-type filter of a frequency cap: all, a prefix ("order.*"), or one event type.</summary>
    private static bool Matches(string eventType, string? pattern) => pattern switch
    {
        null or "*" => true,
        _ when pattern.EndsWith(".*", StringComparison.Ordinal) => eventType.StartsWith(pattern[..^1], StringComparison.Ordinal),
        _ => string.Equals(eventType, pattern, StringComparison.Ordinal),
    };
}
