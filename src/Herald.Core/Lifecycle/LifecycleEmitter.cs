using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;

namespace Herald.Core.Lifecycle;

/// <summary>
/// Turns state changes into lifecycle notifications for <see cref="LifecycleEvents.Recipient"/>, which the planner fans out to
/// the operational endpoints subscribed to the event type; from there they are ordinary webhook deliveries (signing, retries,
/// DLQ, trace). Nothing is created when no enabled operational endpoint subscribes, and nothing is ever emitted about a
/// lifecycle notification or its deliveries, so an event cannot feed itself.
/// </summary>
public sealed class LifecycleEmitter(OperationalSubscribers subscribers, Signals signals, TimeProvider time)
{
    /// <summary>
    /// The <c>notification.accepted</c> event for a notification being accepted, or null when nobody listens. Ingest commits
    /// it in the same transaction as the notification itself.
    /// </summary>
    public async ValueTask<Notification?> AcceptedAsync(Notification n, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(n);
        if (LifecycleEvents.IsOperational(n.RecipientId) || !await subscribers.AnyAsync(n.EnvironmentId, LifecycleEvents.NotificationAccepted, ct))
        {
            return null;
        }

        return Event(n.EnvironmentId, LifecycleEvents.NotificationAccepted, new JsonObject
        {
            ["notification_id"] = n.Id, ["recipient_id"] = n.RecipientId, ["event_type"] = n.EventType, ["priority"] = n.Priority.ToWire(),
            ["status"] = n.Status, ["batch_id"] = n.BatchId, ["scheduled_at"] = n.DueAt > n.CreatedAt ? Time(n.DueAt) : null,
        });
    }

    /// <summary>Wakes the planner after ingest committed lifecycle notifications of its own.</summary>
    public void AcceptedCommitted() => signals.Notify(Signals.Planner(Priority.Normal));

    /// <summary>
    /// Before completions are committed: each one that ends a customer delivery sent, failed or dead carries its
    /// <c>delivery.*</c> event, which the store inserts in the same transaction only when the completion applies; each
    /// failing webhook endpoint result carries an <c>endpoint.disabled</c> event, inserted only if this commit disables it.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryCompletion>> AttachAsync(IReadOnlyList<Delivery> deliveries, IReadOnlyList<DeliveryCompletion> completions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(completions);
        DeliveryCompletion[]? result = null;
        for (var i = 0; i < completions.Count; i++)
        {
            var c = completions[i];
            var type = c.Status switch
            {
                DeliveryStatus.Sent => LifecycleEvents.DeliverySent,
                DeliveryStatus.Failed => LifecycleEvents.DeliveryFailed,
                DeliveryStatus.Dead => LifecycleEvents.DeliveryDead,
                _ => null,
            };
            var d = deliveries[i];
            if (type is not null && !LifecycleEvents.IsOperational(d.RecipientId) && await subscribers.AnyAsync(d.EnvironmentId, type, ct))
            {
                result ??= [.. completions];
                result[i] = c with { LifecycleEvent = Event(d.EnvironmentId, type, DeliveryData(d, c.Status, c.Provider ?? d.Provider, c.LastError)) };
            }

            // An operational endpoint's own disabling is announced too: it is disabled in the same commit, so it is not a target.
            if (c.EndpointResult is { Succeeded: false } failing && await subscribers.AnyAsync(d.EnvironmentId, LifecycleEvents.EndpointDisabled, ct))
            {
                result ??= [.. completions];
                var operational = LifecycleEvents.IsOperational(d.RecipientId);
                result[i] = result[i] with
                {
                    EndpointResult = failing with
                    {
                        DisabledEvent = Event(d.EnvironmentId, LifecycleEvents.EndpointDisabled, new JsonObject
                        {
                            ["endpoint_id"] = failing.EndpointId, ["recipient_id"] = operational ? null : d.RecipientId, ["operational"] = operational,
                            ["reason"] = failing.DisableNow ? failing.Reason : $"failing continuously for longer than Herald:Webhooks:DisableAfter; last: {failing.Reason}",
                            ["delivery_id"] = d.Id,
                        }),
                    },
                };
            }
        }

        return result ?? completions;
    }

    /// <summary>After completions were committed: wakes the planner for the events committed with them.</summary>
    public void Completed(IReadOnlyList<DeliveryCompletion> completions, IReadOnlyList<bool> applied)
    {
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(applied);
        if (completions.Where((c, i) => applied[i] && (c.LifecycleEvent is not null || c.EndpointResult?.DisabledEvent is not null)).Any())
        {
            signals.Notify(Signals.Planner(Priority.Normal));
        }
    }

    /// <summary>
    /// Before a provider's status callback is applied: <c>delivery.delivered</c>, or <c>delivery.failed</c> for a bounce or a
    /// late failure, hung on the update so the store inserts it in the same transaction when the report moves the delivery forward.
    /// </summary>
    public async Task<List<TrackingUpdate>> AttachAsync(IReadOnlyList<(TrackingUpdate Update, Delivery? Delivery)> tracked, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        var result = new List<TrackingUpdate>(tracked.Count);
        foreach (var (u, d) in tracked)
        {
            var type = u.Status switch
            {
                DeliveryStatus.Delivered => LifecycleEvents.DeliveryDelivered,
                DeliveryStatus.Bounced or DeliveryStatus.Failed => LifecycleEvents.DeliveryFailed,
                _ => null,
            };
            result.Add(d is not null && type is not null && !LifecycleEvents.IsOperational(d.RecipientId) && await subscribers.AnyAsync(d.EnvironmentId, type, ct)
                ? u with { LifecycleEvent = Event(d.EnvironmentId, type, DeliveryData(d, u.Status!, d.Provider, null)) }
                : u);
        }

        return result;
    }

    /// <summary>After updates were applied: wakes the planner when any carried an event.</summary>
    public void Applied(IReadOnlyList<TrackingUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Any(u => u.LifecycleEvent is not null))
        {
            signals.Notify(Signals.Planner(Priority.Normal));
        }
    }

    /// <summary>Ids and states only: no address, phone number, token or URL of the recipient leaves in an event.</summary>
    private static JsonObject DeliveryData(Delivery d, string status, string? provider, string? error)
    {
        var data = new JsonObject
        {
            ["notification_id"] = d.NotificationId, ["delivery_id"] = d.Id, ["recipient_id"] = d.RecipientId, ["event_type"] = d.EventType,
            ["channel"] = d.Channel.ToWire(), ["priority"] = d.Priority.ToWire(), ["provider"] = provider, ["status"] = status, ["attempts"] = d.Attempts,
        };
        if (d.Channel == Channel.Webhook && d.TargetRef is not null)
        {
            data["endpoint_id"] = d.TargetRef;
        }

        if (error is not null)
        {
            // Provider errors sometimes quote the address they refused; the event names the delivery instead.
            data["error"] = d.Target.Length > 0 ? error.Replace(d.Target, "[target]", StringComparison.Ordinal) : error;
        }

        return data;
    }

    /// <summary>An event of <paramref name="environmentId"/>: only that environment's operational endpoints receive it.</summary>
    private Notification Event(string environmentId, string type, JsonObject data)
    {
        var now = time.GetUtcNow();
        var id = Ids.New("ntf", time);
        data["occurred_at"] = Time(now);
        var payload = new JsonObject { ["type"] = type, ["timestamp"] = Time(now), ["data"] = data };
        return new Notification(id, type, LifecycleEvents.Recipient, Priority.Normal, NotificationStatus.Accepted, LifecycleEvents.Template, null,
            [Channel.Webhook], payload.ToJsonString(), null, null, now, now, EnvironmentId: environmentId);
    }

    private static string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
