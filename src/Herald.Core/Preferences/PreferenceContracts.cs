namespace Herald.Core.Preferences;

/// <summary>
/// A recipient's rule for an event type pattern ("order.shipped", "order.*" or "*") and a channel wire name
/// ("push", "email", "sms", "in_app", "webhook" or "*"). Exact event type beats the longest matching prefix
/// pattern, which beats "*"; for equal event type specificity a named channel beats "*".
/// <see cref="Digest"/> is the recipient's choice between a digest and instant sends for event types a digest rule covers
/// (null: the rule's own <c>batch</c> decides); it belongs to a whole notification, so only rules for channel "*" carry it.
/// </summary>
public sealed record PreferenceRule(
    string EventType,
    string Channel,
    bool Enabled,
    QuietHours? QuietHours = null,
    int? FrequencyCap = null,
    SendWindow? SendWindow = null,
    bool? Digest = null);

/// <summary>
/// A daily window, in the given IANA time zone, during which non-urgent deliveries wait. Start inclusive, end exclusive;
/// end earlier than or equal to start means the window runs overnight.
/// </summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, string TimeZone);

/// <summary>
/// A weekly schedule, in an IANA time zone, outside which non-urgent deliveries wait for the next opening: on each of
/// <see cref="Days"/>, from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive) local time. An end earlier
/// than the start runs past midnight into the next day.
/// </summary>
public sealed record SendWindow(IReadOnlyList<DayOfWeek> Days, TimeOnly Start, TimeOnly End, string TimeZone);
