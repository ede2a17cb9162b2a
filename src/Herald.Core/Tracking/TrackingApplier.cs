using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Settlement;
using Herald.Core.Storage;

namespace Herald.Core.Tracking;

/// <summary>
/// Applies what providers report after a send (status callbacks, look-ups of unconfirmed sends): statuses move forward,
/// and a failure reported while the delivery is still <c>sent</c> is a late failure, settled like a send-time one: a
/// transient failure is retried on the delivery's retry schedule (or dead-lettered when it is used up, or expired), a
/// permanent one fails it, and either may fall back to the next channel of the notification's chain. All in one transaction.
/// </summary>
public sealed class TrackingApplier(ITrackingStore store, Settler settlement, Fallbacks fallbacks, Lifecycle.LifecycleEmitter lifecycle, Signals signals, TimeProvider time)
{
    /// <summary>A report and the delivery it names (null for opt-outs); <paramref name="Permanent"/> marks a failure no resend can fix.</summary>
    public sealed record Report(TrackingUpdate Update, Delivery? Delivery, bool Permanent = false);

    public async Task<IReadOnlyList<TrackingUpdate>> ApplyAsync(IReadOnlyList<Report> reports, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var now = time.GetUtcNow();
        var tracked = new List<(TrackingUpdate, Delivery?)>(reports.Count);
        foreach (var (u, d, permanent) in reports)
        {
            tracked.Add((await LateAsync(u, d, permanent, now, ct), d));
        }

        var updates = await lifecycle.AttachAsync(tracked, ct);
        for (var i = 0; i < updates.Count; i++)
        {
            if (updates[i].Late is { Status: DeliveryStatus.Retrying })
            {
                // Not failed yet: it is sent again. delivery.failed goes out if its retries end it.
                updates[i] = updates[i] with { LifecycleEvent = null };
            }
        }

        await store.ApplyTrackingAsync(updates, time.GetUtcNow(), ct);
        lifecycle.Applied(updates);
        foreach (var (u, (_, d)) in updates.Zip(tracked))
        {
            if (d is not null && u.Late is { Status: DeliveryStatus.Retrying })
            {
                signals.Notify(Signals.Lane(d.Channel, d.Priority));
            }

            if (d is not null && u.Fallback is { Deliveries.Count: > 0 } f)
            {
                signals.Notify(Signals.Lane(f.To, d.Priority));
            }
        }

        return updates;
    }

    private async Task<TrackingUpdate> LateAsync(TrackingUpdate u, Delivery? d, bool permanent, DateTimeOffset now, CancellationToken ct)
    {
        // Also while the send is being settled: the store applies the late failure only to a row that is sent when the report's
        // update runs (a completion committing meanwhile has made it so); otherwise the report waits in tracked_status and the
        // completion applies its own late retry (DeliveryCompletion.IfReportedFailed).
        if (d is not { Status: DeliveryStatus.Sent or DeliveryStatus.Sending or DeliveryStatus.Unknown } || u.Status is not (DeliveryStatus.Failed or DeliveryStatus.Bounced))
        {
            return u;
        }

        var (status, due, reason) = u.Status == DeliveryStatus.Bounced
            ? (DeliveryStatus.Bounced, null, "bounced after it was sent; not resent")
            : settlement.LateFailure(d, permanent, now);
        var fallback = await fallbacks.PlanAsync(d, status, due, ct);
        var trace = u.Trace is { } t ? t with { Reason = $"{t.Reason}; late failure: {reason}" } : null;
        return u with { Late = new LateOutcome(status, due, u.Trace?.Reason ?? reason), Fallback = fallback, Trace = trace };
    }
}
