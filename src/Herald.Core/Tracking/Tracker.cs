using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Storage;

namespace Herald.Core.Tracking;

/// <summary>
/// A verified provider status callback: what <see cref="Events"/> its adapter parsed, from the provider configured as
/// <see cref="Provider"/> (the name in the callback URL, which keys receipts and metrics) whose adapter is
/// <see cref="Source"/> on <see cref="Channel"/>. <see cref="Replay"/> names the callback as a whole.
/// </summary>
public sealed record ProviderCallback(string Provider, string Source, Channel Channel, IReadOnlyList<TrackingEvent> Events, ReplayKey? Replay, DateTimeOffset ReceivedAt);

/// <summary>
/// The Track stage: what happens to a message after it was sent, as providers report it (status callbacks) and recipients
/// act on it (opens, clicks, one-click unsubscribe). Each operation reads what it needs and then makes one store call,
/// applied in one transaction; the HTTP endpoints only verify and parse the request and answer it.
/// </summary>
public sealed class Tracker(ITrackingStore store, TrackingApplier applier, HeraldMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// Applies a verified callback in one transaction. Events naming a message Herald did not send are skipped (counted as
    /// unknown_message: on a vendor account shared with other senders they are normal); events whose receipt (the vendor's
    /// own event id, kept for the replay window) is held already are skipped by the store. The caller answers alike either way.
    /// </summary>
    public async Task ApplyCallbackAsync(ProviderCallback callback, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var reports = await ReportsAsync(callback, ct);
        await applier.ApplyAsync(reports, ct);
        var applied = time.GetUtcNow();
        // Every event's update has a trace entry or a suppression; the callback's bare receipt (Mailgun) has neither.
        foreach (var report in reports.Where(r => r.Update.Trace is not null || r.Update.Suppress is not null || r.Update.Unsuppress is not null))
        {
            metrics.Callback(callback.Provider, "applied");
            metrics.CallbackLag(callback.Provider, applied - report.Update.At);
        }
    }

    /// <summary>Records an open (the tracking pixel was fetched).</summary>
    public async Task RecordOpenAsync(string deliveryId, CancellationToken ct)
    {
        if (await store.FindTrackedDeliveryAsync(deliveryId, null, ct) is { } d)
        {
            await RecordAsync(d, DeliveryStatus.Opened, "opened (tracking pixel)", ct);
        }
    }

    /// <summary>
    /// Records a push notification opened on <paramref name="recipientId"/>'s device, as the app reports it. False when no push
    /// delivery of that recipient has the id (another user's delivery is as unknown as a made-up one).
    /// </summary>
    public async Task<bool> RecordPushOpenAsync(string recipientId, string deliveryId, CancellationToken ct)
    {
        if (await store.FindTrackedDeliveryAsync(deliveryId, null, ct) is not { Channel: Channel.Push } d || d.RecipientId != recipientId)
        {
            return false;
        }

        await RecordAsync(d, DeliveryStatus.Opened, "opened (reported by the app)", ct);
        return true;
    }

    /// <summary>Records a click on the signed link to <paramref name="target"/> (traced without its query).</summary>
    public async Task RecordClickAsync(string deliveryId, Uri target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (await store.FindTrackedDeliveryAsync(deliveryId, null, ct) is { } d)
        {
            await RecordAsync(d, DeliveryStatus.Clicked, $"clicked {target.GetLeftPart(UriPartial.Path)}", ct);
        }
    }

    /// <summary>
    /// One-click unsubscribe (RFC 8058): opts the recipient out of this kind of email (event type × email), not out of
    /// everything. The preference edit and its trace entry are one store call in one transaction, applied to the
    /// preferences as they are then. False when the delivery is unknown.
    /// </summary>
    public async Task<bool> UnsubscribeAsync(string deliveryId, CancellationToken ct)
    {
        if (await store.FindTrackedDeliveryAsync(deliveryId, null, ct) is not { } d)
        {
            return false;
        }

        var now = time.GetUtcNow();
        var trace = new TraceEntry(d.NotificationId, now, "track", "email", "unsubscribed", $"one-click unsubscribe: {d.EventType} email disabled for {d.RecipientId}");
        // The delivery's environment's user: the same id in another environment keeps its preferences.
        await store.UnsubscribeAsync(new Unsubscription(d.RecipientId, d.EventType, "email", trace, d.EnvironmentId), now, ct);
        return true;
    }

    /// <summary>Records an open or click; one the delivery already has (or has passed) is only a read: no transaction, no trace row.</summary>
    private async Task RecordAsync(Delivery d, string status, string detail, CancellationToken ct)
    {
        if (!MovesForward(d, status))
        {
            return;
        }

        var now = time.GetUtcNow();
        await store.ApplyTrackingAsync([new TrackingUpdate(d.Id, d.NotificationId, status, now, new TraceEntry(d.NotificationId, now, "track", d.Channel.ToWire(), status, detail))], now, ct);
    }

    /// <summary>
    /// The store's forward-only rule (sent &lt; delivered &lt; opened &lt; clicked; bounced and failed end it), read from the
    /// delivery: a status it already has or has passed changes nothing, so nothing is written. A concurrent first hit may
    /// still write twice; the store keeps the status right either way.
    /// </summary>
    private static bool MovesForward(Delivery d, string status)
    {
        static int Rank(string s) => s switch { DeliveryStatus.Sent => 1, DeliveryStatus.Delivered => 2, DeliveryStatus.Opened => 3, DeliveryStatus.Clicked => 4, _ => 5 };
        var current = d.TrackedStatus ?? (d.Status is DeliveryStatus.Delivered or DeliveryStatus.Opened or DeliveryStatus.Clicked or DeliveryStatus.Bounced ? d.Status : DeliveryStatus.Sent);
        return Rank(current) < Rank(status);
    }

    /// <summary>
    /// The reports to apply, each carrying its receipt (the store skips one already held). Events naming no known
    /// message are skipped; the callback's own replay key is still remembered, alone when no event carries it.
    /// </summary>
    private async Task<List<TrackingApplier.Report>> ReportsAsync(ProviderCallback callback, CancellationToken ct)
    {
        CallbackReceipt Receipt(ReplayKey key) => new(callback.Provider, key.Key, callback.ReceivedAt + key.Window);
        var reports = new List<TrackingApplier.Report>();
        foreach (var e in callback.Events)
        {
            if (await ToUpdateAsync(callback, e, ct) is not ({ } update, var delivery))
            {
                metrics.Callback(callback.Provider, "unknown_message");
                continue;
            }

            reports.Add(new TrackingApplier.Report(e.Replay is { } replay ? update with { Receipt = Receipt(replay) } : update, delivery, e.Permanent));
        }

        if (callback.Replay is { } whole && !reports.Any(r => r.Update.Receipt?.Key == whole.Key))
        {
            reports.Add(new TrackingApplier.Report(new TrackingUpdate(null, null, null, callback.ReceivedAt, null, Receipt: Receipt(whole)), null));
        }

        return reports;
    }

    private async Task<(TrackingUpdate? Update, Delivery? Delivery)> ToUpdateAsync(ProviderCallback callback, TrackingEvent e, CancellationToken ct)
    {
        if (e.Kind is TrackingKind.OptOut or TrackingKind.OptIn)
        {
            if (string.IsNullOrEmpty(e.Address))
            {
                return (null, null);
            }

            // A reply to a sender number names no delivery, so no environment, and senders (and the vendor's own opt-out list)
            // are per deployment: it applies in every environment, in the one transaction of this update.
            var s = new Suppression(callback.Channel, e.Address, "opt-out", callback.Source, e.At, Environments.Every);
            return (e.Kind == TrackingKind.OptOut ? new TrackingUpdate(null, null, null, e.At, null, Suppress: s) : new TrackingUpdate(null, null, null, e.At, null, Unsuppress: s), null);
        }

        if (await store.FindTrackedDeliveryAsync(e.DeliveryId, e.ProviderMessageId, ct) is not { } d)
        {
            return (null, null);
        }

        var (status, suppress) = e.Kind switch
        {
            TrackingKind.Delivered => (DeliveryStatus.Delivered, null),
            TrackingKind.Bounced => (DeliveryStatus.Bounced, new Suppression(d.Channel, d.Target, "hard bounce", callback.Source, e.At, d.EnvironmentId)),
            TrackingKind.Failed => (DeliveryStatus.Failed, null),
            TrackingKind.Opened => (DeliveryStatus.Opened, null),
            TrackingKind.Clicked => (DeliveryStatus.Clicked, null),
            _ => ((string?)null, new Suppression(d.Channel, d.Target, "spam complaint", callback.Source, e.At, d.EnvironmentId)),
        };
        var decision = e.Kind.ToString().ToLowerInvariant();
        var trace = new TraceEntry(d.NotificationId, e.At, "track", d.Channel.ToWire(), decision,
            $"{callback.Source}: {e.Detail}" + (suppress is null ? "" : $"; {d.Target} suppressed ({suppress.Reason})"));
        return (new TrackingUpdate(d.Id, d.NotificationId, status, e.At, trace, Suppress: suppress), d);
    }
}
