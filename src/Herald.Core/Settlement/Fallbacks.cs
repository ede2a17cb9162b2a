using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Planning;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Core.Settlement;

/// <summary>
/// Plans channel fallback before a settlement that may need it; the store adds the plan in the settlement's transaction
/// only if its condition still holds there (see <see cref="FallbackPlan"/>). A channel falls back when all of a
/// notification's deliveries on it ended badly (invalid target, dead, expired, bounced), or when one fails with a retryable
/// error whose next retry would come after the channel's deadline (counted from when the delivery was planned) and none
/// of them was sent. The failing delivery's own retries go on.
/// </summary>
public sealed class Fallbacks(INotificationQueryStore notifications, Planner planner, TemplateCatalog templates, PipelineOptionsAccessor options, TimeProvider time)
{
    /// <summary>Attaches a fallback plan to each completion that may need one (most need none and cost nothing).</summary>
    public async Task<IReadOnlyList<DeliveryCompletion>> AttachAsync(IReadOnlyList<Delivery> deliveries, IReadOnlyList<DeliveryCompletion> completions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(completions);
        DeliveryCompletion[]? result = null;
        for (var i = 0; i < completions.Count; i++)
        {
            var c = completions[i];
            if (await PlanAsync(deliveries[i], c.Status, c.DueAt, ct) is { } plan)
            {
                result ??= [.. completions];
                result[i] = c with { Fallback = plan };
            }
        }

        return result ?? completions;
    }

    /// <summary>The fallback a delivery about to take <paramref name="status"/> (due at <paramref name="due"/>) may need, or null.</summary>
    public async Task<FallbackPlan?> PlanAsync(Delivery d, string status, DateTimeOffset? due, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(d);
        var ended = status is DeliveryStatus.Failed or DeliveryStatus.Dead or DeliveryStatus.Expired or DeliveryStatus.Bounced;
        // Deferred: no provider had room (its 429, an open circuit with no other provider): as unsent as a retry.
        if (!ended && status is not (DeliveryStatus.Retrying or DeliveryStatus.Deferred))
        {
            return null;
        }

        // Only failures get here, so the reads below (cached template, one notification) are off the hot path.
        var o = options.Value;
        if (await notifications.GetNotificationAsync(d.NotificationId, ct) is not { } n)
        {
            return null;
        }

        var (_, template) = await templates.GetSendableAsync(n.EnvironmentId, n.TemplateId, n.TemplateVersion, ct);
        if (o.Fallback(n.Priority, template?.Fallback) is not { } policy || !policy.Chain.Contains(d.Channel))
        {
            return null;
        }

        var now = time.GetUtcNow();
        FallbackTrigger trigger;
        string why;
        if (ended)
        {
            (trigger, why) = (FallbackTrigger.Ended, $"every {d.Channel.ToWire()} delivery ended badly (this one {status})");
        }
        else if (policy.After.TryGetValue(d.Channel, out var after) && d.CreatedAt + after is var deadline && (due ?? now) >= deadline)
        {
            (trigger, why) = (FallbackTrigger.Deadline, $"{d.Channel.ToWire()} still unsent {(now - d.CreatedAt).TotalSeconds:0.#} s after planning and its next retry is past the {after.TotalSeconds:0.#} s deadline");
        }
        else
        {
            return null;
        }

        var existing = await notifications.GetDeliveriesAsync(n.Id, ct);
        var trace = new List<TraceEntry>();
        foreach (var channel in policy.Following(d.Channel))
        {
            if (existing.Any(x => x.Channel == channel))
            {
                // The notification already goes there (asked for, or an earlier fallback): nothing to add.
                return null;
            }

            var (planned, planTrace) = await planner.PlanFallbackAsync(n, channel, ct);
            trace.Add(new TraceEntry(n.Id, now, "fallback", channel.ToWire(), "fallback", $"{why}; falling back to {channel.ToWire()}"));
            trace.AddRange(planTrace);
            if (planned.Count > 0)
            {
                return new FallbackPlan(n.Id, d.Channel, channel, trigger, planned, trace);
            }
        }

        // No channel left had a target: said once, when the channel ended (a deadline would say it at every retry).
        return trace.Count == 0 || trigger == FallbackTrigger.Deadline ? null
            : new FallbackPlan(n.Id, d.Channel, policy.Following(d.Channel).Last(), trigger, [], trace);
    }
}
