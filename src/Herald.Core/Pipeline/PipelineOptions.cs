using Herald.Core.Domain;

namespace Herald.Core.Pipeline;

/// <summary>Settings under <c>Herald:Pipeline</c>. Every default is the documented one.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Herald:Pipeline";

    /// <summary>How long a claim (planning or sending) is held before the sweeper may take it over. Default 30 s.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a lane sleeps before looking at the store again (covers work from other processes). Default 250 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the sweeper looks for expired leases. Default 5 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>In-app deliveries (no provider call) claimed per round trip. Default 128.</summary>
    public int ClaimBatch { get; set; } = 128;

    /// <summary>
    /// Provider calls in flight per lane, and the claim size of lanes that call a provider: every claimed delivery is
    /// sent at once, so a claim settles within one provider timeout, well inside its lease. Default 16.
    /// </summary>
    public int LaneConcurrency { get; set; } = 16;

    internal int ClaimSize(Channel channel) => channel == Channel.InApp ? ClaimBatch : LaneConcurrency;

    /// <summary>
    /// Window of content dedup per recipient × event type × channel, for event types whose template sets none
    /// (<c>"dedup": {"window": ..}</c>). Default 10 min.
    /// </summary>
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether content dedup applies to urgent deliveries of event types whose template does not say
    /// (<c>"dedup": {"urgent": ..}</c>). Default false: two genuine identical alerts both go out.
    /// </summary>
    public bool DedupUrgent { get; set; }

    /// <summary>
    /// Urgent ceiling per channel as "count/window" (or "none"): an urgent delivery is suppressed when the recipient already
    /// got count deliveries of the same event type on the channel within the window, so a runaway loop stops even though
    /// urgent bypasses preferences and rate limits. Defaults sms 10/1h, email 10/1h, push 30/1h; in_app and webhook none.
    /// </summary>
    public Dictionary<string, string> UrgentCeilings { get; set; } = new(StringComparer.Ordinal)
    {
        ["sms"] = "10/1h",
        ["email"] = "10/1h",
        ["push"] = "30/1h",
    };

    /// <summary>
    /// Per-user per-channel rate limits on non-urgent deliveries, as "count/window" (window: s, m, h, d).
    /// Defaults push 30/1h, email 50/1d, sms 10/1h, in_app 100/1h; webhook has none.
    /// </summary>
    /// <remarks>
    /// The defaults are a safety net against a runaway sender (a loop, a retried batch job), not a fatigue policy: each
    /// sits well above what a busy customer of a shop or a bank gets in ordinary transactional traffic (receipts, card
    /// payment alerts, delivery updates), so none of that waits. Fatigue belongs to per-rule frequency caps, which apply
    /// to the event types they name.
    /// </remarks>
    public Dictionary<string, string> RateLimits { get; set; } = new(StringComparer.Ordinal)
    {
        // A card used 30 times in an hour (a market, a trip) still alerts at once; a loop pushes at most every 2 minutes.
        ["push"] = "30/1h",
        // Receipts, shipping updates and statements of a heavy shopper fit; the old 5/1d deferred the sixth receipt to tomorrow.
        ["email"] = "50/1d",
        // SMS costs money per segment: 10/h passes a burst of payment alerts and bounds a loop to 240 segments a day.
        ["sms"] = "10/1h",
        // The feed interrupts nobody; the limit only keeps a loop from burying the items a user needs.
        ["in_app"] = "100/1h",
    };

    /// <summary>Retry delays per channel ("1s,5s,30s,2m,10m"); the webhook channel uses Herald:Webhooks:RetrySchedule.</summary>
    public string RetrySchedule { get; set; } = "1s,5s,30s,2m,10m,30m";

    /// <summary>
    /// Channel fallback chain per priority (comma-separated wire names). Default urgent: push,sms,email. A template's own
    /// <c>fallback</c> replaces it for that template's notifications.
    /// </summary>
    public Dictionary<string, string> FallbackChains { get; set; } = new(StringComparer.Ordinal) { ["urgent"] = "push,sms,email" };

    /// <summary>
    /// How long a channel of a fallback chain may keep failing with retryable errors before the next channel is planned
    /// (its retries go on). Keys are a priority ("urgent", for every channel of its chain) or a priority and a channel
    /// ("urgent.sms"), which wins. A channel without a deadline falls back only when its deliveries end (invalid target,
    /// dead, expired). Default urgent: 30 s.
    /// </summary>
    public Dictionary<string, TimeSpan> FallbackAfter { get; set; } = new(StringComparer.Ordinal) { ["urgent"] = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// What happens to a delivery whose provider call may or may not have landed (crash, timeout after send) when the provider
    /// cannot be asked: "resend" (at-least-once) or "dead" (at-most-once; the DLQ shows it for an operator). Defaults urgent
    /// and normal resend, low is dead.
    /// </summary>
    public Dictionary<string, string> UnknownOutcome { get; set; } = new(StringComparer.Ordinal)
    {
        ["urgent"] = "resend",
        ["normal"] = "resend",
        ["low"] = "dead",
    };

    /// <summary>
    /// How long a delivery whose outcome is unknown (timeout after the request was sent) waits before the reconciler asks
    /// the provider by our reference; the provider's status callback often settles it first. Default 10 s.
    /// </summary>
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A provider that can be asked but did not answer the reconciler's look-up (5xx, timeout) is asked again after this
    /// delay, doubling each time up to 2 min; the delivery is neither resent nor dead-lettered meanwhile. Default 15 s.
    /// </summary>
    public TimeSpan LookUpRetryDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Look-ups per delivery before an unanswered provider is treated as one that cannot be asked (the UnknownOutcome
    /// policy then decides). Default 6 (about 6 minutes of asking with the default delay).
    /// </summary>
    public int MaxLookUps { get; set; } = 6;

    /// <summary>Distributed mode: due deliveries handed to the work transport per lane per relay round. Default 500.</summary>
    public int RelayBatch { get; set; } = 500;

    /// <summary>
    /// Distributed mode: at most this many deliveries published and not yet claimed per lane (channel × priority); the
    /// rest waits in the store, so a million-message campaign never sits in a broker queue, and never holds an urgent
    /// lane's work out of it. Keep it below what a lane's workers consume within RepublishAfter, or messages still
    /// waiting in the queue are published again. Default 2,000.
    /// </summary>
    public int MaxInFlight { get; set; } = 2_000;

    /// <summary>Distributed mode: a published delivery still unclaimed after this long is published again (its message was lost). Default 2 min.</summary>
    public TimeSpan RepublishAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long idempotency keys are kept. Default 24 h (the minimum the promise allows).</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Notifications (not requests) waiting for the group commit before ingest answers 503 with Retry-After. It bounds
    /// both memory and the wait for a commit under overload (about a quarter of a second at this machine's commit rate).
    /// Default 4,000.
    /// </summary>
    public int IngestQueueCapacity { get; set; } = 4_000;

    internal bool ResendUnknown(Priority priority) =>
        !UnknownOutcome.TryGetValue(priority.ToWire(), out var policy) || !policy.Equals("dead", StringComparison.OrdinalIgnoreCase);

    /// <summary>The fallback of a notification: its template's when the template declares one, else its priority's (maybe none).</summary>
    public FallbackPolicy? Fallback(Priority priority, Templates.TemplateFallback? template)
    {
        if (template is not null)
        {
            return new FallbackPolicy(template.Chain, template.After);
        }

        var chain = FallbackChain(priority);
        if (chain.Count < 2)
        {
            return null;
        }

        var after = new Dictionary<Channel, TimeSpan>();
        foreach (var channel in chain)
        {
            if (FallbackAfter.TryGetValue($"{priority.ToWire()}.{channel.ToWire()}", out var own) || FallbackAfter.TryGetValue(priority.ToWire(), out own))
            {
                after[channel] = own;
            }
        }

        return new FallbackPolicy(chain, after);
    }

    internal bool FallbackAfterValid() =>
        FallbackAfter.All(kv => kv.Value >= TimeSpan.Zero && kv.Value <= Templates.TemplateFallback.MaxAfter && kv.Key.Split('.') is var parts
            && parts.Length is 1 or 2 && ChannelNames.TryParsePriority(parts[0], out _) && (parts.Length == 1 || (ChannelNames.TryParseChannel(parts[1], out var c) && c != Channel.Webhook)));

    internal IReadOnlyList<Channel> FallbackChain(Priority priority)
    {
        if (!FallbackChains.TryGetValue(priority.ToWire(), out var chain))
        {
            return [];
        }

        var result = new List<Channel>();
        foreach (var name in chain.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ChannelNames.TryParseChannel(name, out var channel))
            {
                result.Add(channel);
            }
        }

        return result;
    }
}

/// <summary>
/// A notification's channel fallback: the channels in order, and how long each may keep failing with retryable errors
/// before the next is planned (absent: only when its deliveries end).
/// </summary>
public sealed record FallbackPolicy(IReadOnlyList<Channel> Chain, IReadOnlyDictionary<Channel, TimeSpan> After)
{
    /// <summary>The channels after <paramref name="channel"/>, in order; empty when it is not in the chain or last.</summary>
    public IEnumerable<Channel> Following(Channel channel)
    {
        var at = -1;
        for (var i = 0; i < Chain.Count; i++)
        {
            if (Chain[i] == channel)
            {
                at = i;
            }
        }

        return at < 0 ? [] : Chain.Skip(at + 1);
    }
}
