namespace Herald.Client;

/// <summary>A user's contact details; fields left null are cleared (PUT replaces the user).</summary>
public sealed record UserRequest
{
    public string? Email { get; init; }

    public string? Phone { get; init; }

    public string? Locale { get; init; }

    public string? Timezone { get; init; }
}

public sealed record User(string UserId, string? Email, string? Phone, string? Locale, string? Timezone, DateTimeOffset UpdatedAt);

public sealed record Preferences(IReadOnlyList<PreferenceRule> Rules)
{
    public IReadOnlyList<DigestOption>? DigestOptions { get; init; }
}

/// <summary>One preference: for an event type and/or channel (null: any), enabled or not, with optional limits.</summary>
public sealed record PreferenceRule
{
    public string? EventType { get; init; }

    public string? Channel { get; init; }

    public bool? Enabled { get; init; }

    public QuietHours? QuietHours { get; init; }

    public int? FrequencyCap { get; init; }

    public SendWindow? SendWindow { get; init; }

    public bool? Digest { get; init; }
}

/// <summary>Hours (HH:mm, in <see cref="Timezone"/>) when nothing but urgent notifications is sent.</summary>
public sealed record QuietHours(string Start, string End, string Timezone);

/// <summary>A weekly schedule: on each of <see cref="Days"/> (mon…sun), from Start to End (HH:mm, in <see cref="Timezone"/>).</summary>
public sealed record SendWindow(IReadOnlyList<string> Days, string Start, string End, string Timezone);

public sealed record DigestOption(string EventType, bool DigestByDefault);

/// <summary>A subscriber token request: lifetime and scopes (e.g. "feed:read"); null takes the server's defaults.</summary>
public sealed record SubscriberTokenRequest
{
    public int? TtlSeconds { get; init; }

    public IReadOnlyList<string>? Scopes { get; init; }
}

public sealed record SubscriberToken(string UserId, string Token, DateTimeOffset ExpiresAt, string Environment, IReadOnlyList<string> Scopes);

/// <summary>
/// What an erasure found and removed (profile, devices, feed items, endpoints, subscriptions, digest items) or
/// anonymised under <see cref="Pseudonym"/> (notifications, deliveries, outbox and lifecycle records); unsent work was cancelled.
/// </summary>
public sealed record Erasure(string UserId, string Pseudonym, bool Profile, int Devices, int FeedItems, int Notifications, int Deliveries, int Cancelled,
    int OutboxMessages, int WebhookEndpoints, int LifecycleEvents, int Subscriptions, int DigestItems);
