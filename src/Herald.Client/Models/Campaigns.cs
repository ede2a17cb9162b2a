using System.Text.Json.Nodes;

namespace Herald.Client;

public enum CampaignKind
{
    Campaign,
    TopicSend,
}

public enum CampaignStatus
{
    Scheduled,
    Releasing,
    Released,
    Paused,
    Cancelled,
}

/// <summary>
/// A campaign in the low lane, to exactly one audience: <see cref="Topic"/> or <see cref="RecipientIds"/> (more can be
/// added later). <see cref="ScheduledAt"/> takes an RFC 3339 instant, a local time on a date (<c>2026-12-01T09:00 local</c>)
/// or a daily local time (<c>09:00 local</c>); <see cref="Rate"/> paces it in notifications per second.
/// </summary>
public sealed record CreateCampaignRequest(string EventType)
{
    public string? Name { get; init; }

    public string? TemplateId { get; init; }

    public int? TemplateVersion { get; init; }

    public IReadOnlyList<Channel>? Channels { get; init; }

    public JsonObject? Data { get; init; }

    public string? Topic { get; init; }

    public IReadOnlyList<string>? RecipientIds { get; init; }

    public string? ScheduledAt { get; init; }

    public double? Rate { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? IdempotencyKey { get; init; }
}

/// <summary>A campaign and how far its release has come; <see cref="ScheduledAt"/> is as the server reads the request's schedule.</summary>
public sealed record Campaign(string Id, CampaignKind Kind, string? Name, CampaignStatus Status, string? Topic, string EventType, Priority Priority,
    string ScheduledAt, double? Rate, DateTimeOffset CreatedAt, CampaignProgress Progress);

/// <summary>The campaign's notifications counted by state.</summary>
public sealed record CampaignProgress(long Total, long Released, long Planned, long Sent, long Delivered, long Failed, long Suppressed, long Deferred,
    long Cancelled, long Expired, long Paused);

internal sealed record CampaignRecipientsRequest(IReadOnlyList<string> RecipientIds);

/// <summary>How many of the given recipients were new to the campaign.</summary>
public sealed record CampaignRecipientsAdded(string Id, int Added);
