using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Core.Domain;

namespace Herald.Core.Observability;

/// <summary>
/// Herald's instruments (meter <c>Herald</c>), named the OpenTelemetry way; <c>/metrics</c> turns them into Prometheus
/// names (<c>herald.deliveries</c> → <c>herald_deliveries_total</c>, unit <c>s</c> → <c>_seconds</c>). Labels are
/// closed sets (channel, priority, provider name, outcome, reason, environment): never a recipient, an address or an id.
/// The <c>environment</c> label (on accepted notifications, deliveries, deferrals and suppressions) is bounded: the first
/// <see cref="MaxEnvironmentLabels"/> environments a process sees are named, any beyond are counted as <c>other</c>.
/// </summary>
public sealed class HeraldMetrics
{
    public const string MeterName = "Herald";

    /// <summary>Environments named in labels per process; more are counted under <see cref="OtherEnvironments"/>.</summary>
    public const int MaxEnvironmentLabels = 50;

    public const string OtherEnvironments = "other";

    // Provider calls: 5 ms to 30 s. End to end (accepted → sent): 10 ms to 15 min (a retried or deferred delivery).
    private static readonly double[] ProviderBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] LatencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _providerDuration;
    private readonly Histogram<double> _deliveryLatency;
    private readonly Counter<long> _deferrals;
    private readonly Counter<long> _suppressions;
    private readonly Histogram<double> _callbackLag;
    private readonly Counter<long> _callbacks;
    private readonly Counter<long> _retentionRemoved;
    private readonly Counter<long> _confirmations;
    private readonly Counter<long> _workerFailures;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _environments = new(StringComparer.Ordinal);

    public HeraldMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter = meters.Create(MeterName);
        _accepted = Meter.CreateCounter<long>("herald.notifications.accepted", description: "Notifications accepted (durably stored) by priority.");
        _deliveries = Meter.CreateCounter<long>("herald.deliveries", description: "Settled provider (or channel) calls by channel, provider and outcome.");
        _providerDuration = Meter.CreateHistogram("herald.provider.request.duration", "s", "Duration of one provider request, by provider, channel and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ProviderBuckets });
        _deliveryLatency = Meter.CreateHistogram("herald.delivery.latency", "s", "From notification accepted to delivery sent, by channel and priority.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _deferrals = Meter.CreateCounter<long>("herald.deferrals", description: "Deliveries deferred at the gate by channel and reason (quiet_hours, send_window, frequency_cap, rate_limit, throttled_order).");
        _suppressions = Meter.CreateCounter<long>("herald.suppressions", description: "Deliveries suppressed at the gate by channel and reason (suppression_list, preference, duplicate, urgent_ceiling, expired, escalation_read).");
        _callbackLag = Meter.CreateHistogram("herald.callback.lag", "s", "Inbound provider status callbacks: from the provider's event time (or receipt) to applied.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _callbacks = Meter.CreateCounter<long>("herald.callbacks", description: "Inbound provider status callbacks by provider and result (applied, rejected, unknown_message, unknown_provider).");
        _confirmations = Meter.CreateCounter<long>("herald.confirmations", description: "Look-ups of sent deliveries their provider did not confirm in its window, by provider and result (delivered, failed, pending, not_found, unanswered, cannot_ask, stale).");
        _workerFailures = Meter.CreateCounter<long>("herald.worker.failures", description: "Rounds of a background worker that failed (logged with the worker's event id, then retried after its back-off), by worker.");
        _retentionRemoved = Meter.CreateCounter<long>("herald.retention.removed", description: "Rows removed by the retention job by kind (notifications, deliveries, feed_items, outbox_messages).");
    }

    /// <summary>The meter, for observable instruments registered elsewhere (queue depth, circuit state).</summary>
    public Meter Meter { get; }

    public void Accepted(Priority priority, string environmentId, int count) =>
        _accepted.Add(count, new TagList { { "priority", priority.ToWire() }, { "environment", Environment(environmentId) } });

    /// <summary>One settled send: outcome is the settlement's outcome name (sent, retry, rejected, invalid_target, unknown, ...).</summary>
    public void Delivery(Channel channel, string provider, string outcome, string environmentId) =>
        _deliveries.Add(1, new TagList { { "channel", channel.ToWire() }, { "provider", provider }, { "outcome", outcome }, { "environment", Environment(environmentId) } });

    public void ProviderRequest(string provider, Channel channel, string outcome, TimeSpan duration) =>
        _providerDuration.Record(duration.TotalSeconds, new TagList { { "provider", provider }, { "channel", channel.ToWire() }, { "outcome", outcome } });

    public void Delivered(Channel channel, Priority priority, TimeSpan sinceAccepted) =>
        _deliveryLatency.Record(Math.Max(0, sinceAccepted.TotalSeconds), new TagList { { "channel", channel.ToWire() }, { "priority", priority.ToWire() } });

    public void Deferred(Channel channel, string reason, string environmentId) =>
        _deferrals.Add(1, new TagList { { "channel", channel.ToWire() }, { "reason", reason }, { "environment", Environment(environmentId) } });

    public void Suppressed(Channel channel, string reason, string environmentId) =>
        _suppressions.Add(1, new TagList { { "channel", channel.ToWire() }, { "reason", reason }, { "environment", Environment(environmentId) } });

    /// <summary>The label value for an environment: its id while this process has named fewer than the cap, else <c>other</c>.</summary>
    public string Environment(string environmentId)
    {
        ArgumentNullException.ThrowIfNull(environmentId);
        if (_environments.ContainsKey(environmentId))
        {
            return environmentId;
        }

        // A race past the cap by a few entries is harmless: the bound is what matters, not its exact value.
        return _environments.Count < MaxEnvironmentLabels && _environments.TryAdd(environmentId, 0) || _environments.ContainsKey(environmentId)
            ? environmentId
            : OtherEnvironments;
    }

    /// <summary>One inbound status callback: applied, rejected (signature or body) or unknown (names no message of ours).</summary>
    public void Callback(string provider, string result) =>
        _callbacks.Add(1, new TagList { { "provider", provider }, { "result", result } });

    /// <summary>For an applied event: from the provider's event time (receipt when it gives none) to applied.</summary>
    public void CallbackLag(string provider, TimeSpan lag) =>
        _callbackLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("provider", provider));

    /// <summary>One look-up of an unconfirmed sent delivery and what the provider answered.</summary>
    public void Confirmation(string provider, string result) =>
        _confirmations.Add(1, new TagList { { "provider", provider }, { "result", result } });

    /// <summary>What one retention run removed, by kind of row.</summary>
    public void RetentionRemoved(Storage.RetentionSummary removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        _retentionRemoved.Add(removed.Notifications, new KeyValuePair<string, object?>("kind", "notifications"));
        _retentionRemoved.Add(removed.Deliveries, new KeyValuePair<string, object?>("kind", "deliveries"));
        _retentionRemoved.Add(removed.FeedItems, new KeyValuePair<string, object?>("kind", "feed_items"));
        _retentionRemoved.Add(removed.OutboxMessages, new KeyValuePair<string, object?>("kind", "outbox_messages"));
    }

    /// <summary>One failed round of a background worker (see <see cref="Workers.PollingWorker"/>).</summary>
    public void WorkerFailed(string worker) => _workerFailures.Add(1, new KeyValuePair<string, object?>("worker", worker));
}
