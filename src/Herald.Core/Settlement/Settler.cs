using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Retries;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Microsoft.Extensions.Options;

namespace Herald.Core.Settlement;

/// <summary>Turns an outcome into the delivery's next state: sent, a scheduled retry, the DLQ, or failed.</summary>
public sealed class Settler
{
    private readonly PipelineOptions _options;
    private readonly RetrySchedule _default;
    private readonly RetrySchedule _webhooks;
    private readonly TimeProvider _time;

    public Settler(IOptions<PipelineOptions> options, IOptions<WebhookOptions> webhooks, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(webhooks);
        _options = options.Value;
        _default = RetrySchedule.Parse(_options.RetrySchedule, fullJitter: true);
        _webhooks = RetrySchedule.Parse(webhooks.Value.RetrySchedule);
        _time = time;
    }

    public DeliveryCompletion Settle(Delivery d, string owner, SendResult result, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(result);
        var now = _time.GetUtcNow();
        var wire = d.Channel.ToWire();
        string status;
        DateTimeOffset? due = null;
        string? error = null;
        string reason;
        string? providerId = null;
        string? removeDevice = null;
        Suppression? suppress = null;
        switch (result.Outcome)
        {
            case DeliveryOutcome.Sent sent:
                status = DeliveryStatus.Sent;
                providerId = sent.ProviderMessageId;
                reason = $"sent via {result.Provider} (attempt {d.Attempts})";
                break;
            case DeliveryOutcome.Retry { Throttled: true } throttled:
                (status, due, reason) = Throttle(d, throttled.RetryAfter, throttled.Reason, now);
                error = throttled.Reason;
                break;
            case DeliveryOutcome.Retry retry:
                (status, due, reason) = Retry(d, retry.RetryAfter, retry.Reason, now);
                error = retry.Reason;
                break;
            case DeliveryOutcome.Misconfigured misconfigured:
                (status, due, reason) = Retry(d, null, $"provider configuration error at {result.Provider}: {misconfigured.Reason}", now);
                error = misconfigured.Reason;
                break;
            case DeliveryOutcome.Unknown unknown:
                // Never resent blindly: the reconciler asks the provider by our reference first.
                status = DeliveryStatus.Unknown;
                due = now + _options.ReconcileAfter;
                error = unknown.Reason;
                reason = $"outcome unknown at {result.Provider} ({unknown.Reason}); reconciling at {due.Value.UtcDateTime:HH:mm:ss}Z before any resend";
                break;
            case DeliveryOutcome.Rejected rejected:
                status = DeliveryStatus.Dead;
                error = rejected.Reason;
                reason = $"rejected by {result.Provider}: {rejected.Reason}; in the dead-letter queue";
                break;
            case DeliveryOutcome.Held held:
                // Not an attempt: the store gives the claim's attempt back, so a held delivery keeps its whole retry schedule.
                status = DeliveryStatus.Held;
                error = held.Reason;
                reason = $"held: {held.Reason}; sent when the endpoint is enabled again";
                break;
            case DeliveryOutcome.InvalidTarget invalid:
                status = DeliveryStatus.Failed;
                error = invalid.Reason;
                removeDevice = d.Channel == Channel.Push ? d.TargetRef : null;
                suppress = d.Channel is Channel.Email or Channel.Sms ? new Suppression(d.Channel, d.Target, invalid.Reason, result.Provider, now, d.EnvironmentId) : null;
                reason = $"invalid target: {invalid.Reason}" + (removeDevice is null ? "" : "; device removed") + (suppress is null ? "" : "; address suppressed");
                break;
            default:
                throw new InvalidOperationException($"unhandled outcome {result.Outcome}");
        }

        var throttledOutcome = result.Outcome is DeliveryOutcome.Retry { Throttled: true } && status == DeliveryStatus.Deferred;
        var decision = status == DeliveryStatus.Retrying ? "retry" : throttledOutcome ? "throttled" : status;
        var trace = new List<TraceEntry>(1 + (result.Notes?.Count ?? 0));
        foreach (var note in result.Notes ?? [])
        {
            trace.Add(new TraceEntry(d.NotificationId, now, "route", wire, note.Decision, note.Reason));
        }

        trace.Add(new TraceEntry(d.NotificationId, now, "dispatch", wire, decision, reason));
        return new DeliveryCompletion(d.Id, d.NotificationId, owner, status, due, result.Provider, error,
            throttledOutcome ? OutcomeKind.Throttled : result.Outcome.Kind,
            providerId, startedAt, now, trace, result.Feed, removeDevice, result.Endpoint, suppress,
            IfReportedFailed: status == DeliveryStatus.Sent && d.Channel is Channel.Email or Channel.Sms ? ReportedFailedWhileSettling(d, now) : null);
    }

    /// <summary>
    /// No provider had room (its 429, our bucket for it, an open circuit with nothing to fail over to): deferred to the
    /// soonest slot, at least <see cref="MinThrottleDelay"/>, and the claim's attempt is given back, so throttling alone never
    /// exhausts the retry schedule or dead-letters. The expiry still ends it.
    /// </summary>
    private static (string Status, DateTimeOffset? Due, string Reason) Throttle(Delivery d, TimeSpan? retryAfter, string why, DateTimeOffset now)
    {
        var due = now + (retryAfter is { } after && after > MinThrottleDelay ? after : MinThrottleDelay);
        if (d.ExpiresAt is { } expires && due >= expires)
        {
            return (DeliveryStatus.Expired, null, $"{why}; the next slot at {due.UtcDateTime:HH:mm:ss.fff}Z would be after its expiry at {expires.UtcDateTime:HH:mm:ss}Z; expired");
        }

        return (DeliveryStatus.Deferred, due, $"{why}; deferred to {due.UtcDateTime:HH:mm:ss.fff}Z without using an attempt");
    }

    private static readonly TimeSpan MinThrottleDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The late-failure retry of a send the provider reported failed before its sent outcome was committed (the report waits
    /// in tracked_status): as <see cref="LateFailure"/> for a transient failure (the report does not say which here), without
    /// building a reason, since nearly every sent outcome carries it and nearly none uses it.
    /// </summary>
    private LateOutcome ReportedFailedWhileSettling(Delivery d, DateTimeOffset now)
    {
        // Email and SMS only: the channels whose providers report a failure after accepting (push, in-app, webhook never do).
        if (_default.NextDelay(Math.Max(1, d.Attempts), Random.Shared) is not { } delay)
        {
            return new LateOutcome(DeliveryStatus.Dead, null, ReportedFailedError);
        }

        var due = now + delay;
        return d.ExpiresAt is { } expires && due >= expires
            ? new LateOutcome(DeliveryStatus.Expired, null, ReportedFailedError)
            : new LateOutcome(DeliveryStatus.Retrying, due, ReportedFailedError);
    }

    private const string ReportedFailedError = "the provider reported it failed while its send was being settled; resent on the retry schedule";

    /// <summary>
    /// A failure the provider reported after the send was settled as sent: a permanent one fails the delivery; a transient
    /// one is retried on the same schedule as a send-time failure (the reported send counts as an attempt), so it ends in
    /// the DLQ when the schedule is used up, or expires.
    /// </summary>
    public (string Status, DateTimeOffset? Due, string Reason) LateFailure(Delivery d, bool permanent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(d);
        return permanent
            ? (DeliveryStatus.Failed, null, "permanent; not resent")
            : Retry(d, null, "resending", now);
    }

    /// <summary>
    /// A send whose lease expired and whose provider cannot be asked: the priority's policy, and under "resend" the
    /// same retry schedule as any failure, so an endpoint that keeps outlasting its lease ends in the DLQ.
    /// </summary>
    public (string Status, DateTimeOffset? Due, string Reason) UnknownAfterLease(Delivery d, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(d);
        return UnknownOutcome(d, "send lease expired and the provider cannot be asked", now);
    }

    /// <summary>The unknown-outcome policy once a provider that can be asked has left every allowed look-up unanswered.</summary>
    public (string Status, DateTimeOffset? Due, string Reason) UnknownAfterUnansweredLookUps(Delivery d, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(d);
        return UnknownOutcome(d, $"send lease expired and the provider left {d.LookUps} look-ups unanswered", now);
    }

    /// <summary>The priority's policy for an outcome nobody can confirm: resend on the retry schedule, or the DLQ.</summary>
    private (string Status, DateTimeOffset? Due, string Reason) UnknownOutcome(Delivery d, string why, DateTimeOffset now) =>
        _options.ResendUnknown(d.Priority)
            ? Retry(d, null, $"{why}; resending under the {d.Priority.ToWire()} at-least-once policy (same message id)", now)
            : (DeliveryStatus.Dead, null, $"{why}; not resent under the {d.Priority.ToWire()} at-most-once policy; in the dead-letter queue");

    private (string Status, DateTimeOffset? Due, string Reason) Retry(Delivery d, TimeSpan? retryAfter, string why, DateTimeOffset now)
    {
        var schedule = d.Channel == Channel.Webhook ? _webhooks : _default;
        if (schedule.NextDelay(Math.Max(1, d.Attempts), Random.Shared) is not { } delay)
        {
            return (DeliveryStatus.Dead, null, $"{why}; retries exhausted after {d.Attempts} attempts; in the dead-letter queue");
        }

        if (retryAfter is { } after && after > delay)
        {
            delay = after;
        }

        var due = now + delay;
        if (d.ExpiresAt is { } expires && due >= expires)
        {
            // Never sent late: a retry that could only happen after the expiry ends the delivery now.
            return (DeliveryStatus.Expired, null, $"{why}; the next retry at {due.UtcDateTime:HH:mm:ss}Z would be after its expiry at {expires.UtcDateTime:HH:mm:ss}Z; expired");
        }

        return (DeliveryStatus.Retrying, due, $"{why}; retry {d.Attempts} of {schedule.Delays.Count} at {due.UtcDateTime:HH:mm:ss}Z");
    }
}
