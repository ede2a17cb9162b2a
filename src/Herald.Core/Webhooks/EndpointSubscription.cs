using Herald.Core.Domain;
using Herald.Core.Preferences;

namespace Herald.Core.Webhooks;

/// <summary>Whether an endpoint's <c>event_types</c> (exact types or patterns such as <c>delivery.*</c>; none = all) cover an event type.</summary>
public static class EndpointSubscription
{
    public static bool Matches(WebhookEndpoint endpoint, string eventType)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.EventTypes.Count == 0 || endpoint.EventTypes.Any(p => PreferenceMatcher.Match([new PreferenceRule(p, "*", true)], eventType, "webhook") is not null);
    }
}
