using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Core.Gate;

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
    private readonly Dictionary<(string, string, Channel), List<RecentSend>> _sends = [];
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

    /// <summary>A send loaded from the store; add them in ascending claim time.</summary>
    public void AddSend(RecentSend send)
    {
        if (!_sends.TryGetValue((send.EnvironmentId, send.RecipientId, send.Channel), out var list))
        {
            _sends[(send.EnvironmentId, send.RecipientId, send.Channel)] = list = [];
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
    /// How far back the store must load a recipient's sends on a channel for <paramref name="gate"/>'s decisions, given the
    /// recipient's rules (frequency caps look back a day) and the longest dedup window stamped on the batch's deliveries.
    /// </summary>
    public static TimeSpan Lookback(IDispatchGate gate, Channel channel, IReadOnlyList<PreferenceRule> rules, TimeSpan longestDedupWindow = default)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(rules);
        var lookback = gate.Lookback(channel);
        if (longestDedupWindow > lookback)
        {
            lookback = longestDedupWindow;
        }

        foreach (var rule in rules)
        {
            if (rule.FrequencyCap is not null && lookback < DeliveryGate.FrequencyCapWindow)
            {
                lookback = DeliveryGate.FrequencyCapWindow;
            }
        }

        return lookback;
    }

    public IReadOnlyList<PreferenceRule> Rules(string environmentId, string userId) => _rules.TryGetValue((environmentId, userId), out var rules) ? rules : [];

    public IReadOnlyList<DateTimeOffset> RecentSends(string environmentId, string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null)
    {
        if (!_sends.TryGetValue((environmentId, recipientId, channel), out var list))
        {
            return [];
        }

        var result = new List<DateTimeOffset>();
        foreach (var send in list)
        {
            if (send.ClaimedAt > since && Matches(send.EventType, eventTypePattern))
            {
                result.Add(send.ClaimedAt);
            }
        }

        return result;
    }

    public string? SameContentSent(string environmentId, string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since) =>
        _sends.TryGetValue((environmentId, recipientId, channel), out var list) && list.FindLastIndex(s => s.ClaimedAt > since
            && string.Equals(s.ContentHash, contentHash, StringComparison.Ordinal) && !string.Equals(s.NotificationId, notificationId, StringComparison.Ordinal)) is var i and >= 0
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
