using Herald.Core.Domain;
using Herald.Core.Preferences;

namespace Herald.Core.Tracking;

/// <summary>
/// A one-click unsubscribe: opts <paramref name="UserId"/> (of <paramref name="EnvironmentId"/>) out of one kind of message (<paramref name="EventType"/> ×
/// <paramref name="Channel"/>), not out of everything, with the trace entry that records it. A store applies it to the
/// preferences as they are inside its own transaction (<see cref="Storage.ITrackingStore.UnsubscribeAsync"/>), so a
/// concurrent preference write is never overwritten with what was read before it.
/// </summary>
public sealed record Unsubscription(string UserId, string EventType, string Channel, TraceEntry Trace, string EnvironmentId = Environments.Default)
{
    /// <summary>
    /// The rules with this opt-out in place of any rule for the same event type and channel; null when they already
    /// hold it (posted again: a retrying mail provider, a replayed link), so nothing is written and no trace row added.
    /// </summary>
    public IReadOnlyList<PreferenceRule>? Apply(IReadOnlyList<PreferenceRule> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.Any(r => r.EventType == EventType && r.Channel == Channel && !r.Enabled))
        {
            return null;
        }

        return [.. current.Where(r => !(r.EventType == EventType && r.Channel == Channel)), new PreferenceRule(EventType, Channel, false)];
    }
}
