using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;

namespace Herald.Core.Campaigns;

public static class CampaignKinds
{
    /// <summary>A send to a topic (<c>POST /api/v1/notifications</c> with <c>topic</c>): released at once, unpaced, at its own priority.</summary>
    public const string TopicSend = "topic_send";

    /// <summary>A campaign: scheduled, paced, always in the low lane.</summary>
    public const string Campaign = "campaign";
}

public static class CampaignStatus
{
    public const string Scheduled = "scheduled";
    public const string Releasing = "releasing";
    public const string Released = "released";
    public const string Paused = "paused";
    public const string Cancelled = "cancelled";

    /// <summary>The named sets as SQL list literals (see <see cref="Domain.DeliveryStatus"/>), rendered at compile time.</summary>
    public static class Sql
    {
        /// <summary>Not started: its audience can still change.</summary>
        public const string NotStarted = $"('{Scheduled}', '{Paused}')";

        /// <summary>What a releaser may claim.</summary>
        public const string Releasable = $"('{Scheduled}', '{Releasing}')";

        /// <summary>What a pause applies to.</summary>
        public const string Pausable = $"('{Scheduled}', '{Releasing}', '{Released}')";
    }
}

/// <summary>What every notification of a campaign carries: the send request, validated and with its template version pinned.</summary>
public sealed record CampaignMessage(
    string EventType, string TemplateId, int? TemplateVersion, IReadOnlyList<Channel>? Channels, string Data, Priority Priority, NotificationOptions? Options)
{
    public string ToJson() => new JsonObject
    {
        ["event_type"] = EventType, ["template_id"] = TemplateId, ["template_version"] = TemplateVersion,
        ["channels"] = Channels is null ? null : new JsonArray([.. Channels.Select(c => (JsonNode)c.ToWire())]),
        ["data"] = Data, ["priority"] = Priority.ToWire(), ["options"] = StoreJson.OptionsJson(Options),
    }.ToJsonString();

    public static CampaignMessage FromJson(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        List<Channel>? channels = null;
        if (o["channels"] is JsonArray array)
        {
            channels = [];
            foreach (var c in array)
            {
                if (ChannelNames.TryParseChannel(c?.GetValue<string>(), out var channel))
                {
                    channels.Add(channel);
                }
            }
        }

        var priority = ChannelNames.TryParsePriority(o["priority"]?.GetValue<string>(), out var p) ? p : Priority.Normal;
        return new CampaignMessage(o["event_type"]!.GetValue<string>(), o["template_id"]!.GetValue<string>(), o["template_version"]?.GetValue<int>(), channels,
            o["data"]!.GetValue<string>(), priority, StoreJson.OptionsJson(o["options"]?.GetValue<string>()));
    }
}

/// <summary>
/// When each recipient's notification is due: a UTC instant for everyone, or a local wall time read in each recipient's
/// time zone (their profile's; UTC without one): on a given date, or (no date) the next time that local time comes round
/// after the campaign was created. A dated local time already past for a recipient is due at once.
/// </summary>
public sealed record CampaignSchedule(DateTimeOffset? At, DateOnly? LocalDate, TimeOnly? LocalTime)
{
    public bool IsLocal => LocalTime is not null;

    /// <summary>Parses <c>2026-12-01T09:00:00Z</c> (an instant), <c>2026-12-01T09:00 local</c> or <c>09:00 local</c>; null when malformed.</summary>
    public static CampaignSchedule? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new CampaignSchedule(now, null, null);
        }

        var text = value.Trim();
        if (text.EndsWith(" local", StringComparison.OrdinalIgnoreCase))
        {
            var local = text[..^6].Trim();
            if (TimeOnly.TryParseExact(local, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                return new CampaignSchedule(null, null, time);
            }

            return DateTime.TryParseExact(local, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt)
                ? new CampaignSchedule(null, DateOnly.FromDateTime(dt), TimeOnly.FromDateTime(dt))
                : null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && text.Contains('T', StringComparison.Ordinal)
            ? new CampaignSchedule(at.ToUniversalTime(), null, null)
            : null;
    }

    /// <summary>The earliest instant any recipient can be due: when releasing starts (a few minutes ahead of it).</summary>
    public DateTimeOffset EarliestDue(DateTimeOffset createdAt) =>
        LocalTime is not { } time ? At ?? createdAt
        : LocalDate is { } date ? new DateTimeOffset(date.ToDateTime(time), TimeSpan.FromHours(14)) // the earliest zone (UTC+14)
        : createdAt;

    /// <summary>The due instant for a recipient in <paramref name="timeZone"/> (null or unknown: UTC).</summary>
    public DateTimeOffset DueFor(string? timeZone, DateTimeOffset createdAt)
    {
        if (LocalTime is not { } time)
        {
            return At ?? createdAt;
        }

        var zone = timeZone is not null && QuietHoursCalculator.TryFindTimeZone(timeZone, out var z) ? z : TimeZoneInfo.Utc;
        if (LocalDate is { } date)
        {
            return QuietHoursCalculator.ToInstant(date.ToDateTime(time), zone);
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(createdAt, zone).DateTime);
        var due = QuietHoursCalculator.ToInstant(today.ToDateTime(time), zone);
        return due >= createdAt ? due : QuietHoursCalculator.ToInstant(today.AddDays(1).ToDateTime(time), zone);
    }

    public string? LocalSpec => LocalTime is not { } time ? null
        : (LocalDate is { } date ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T" : "") + time.ToString("HH:mm", CultureInfo.InvariantCulture) + " local";
}

/// <summary>A campaign or a topic send, as stored: of the environment that created it, whose notifications it releases.</summary>
public sealed record Campaign(
    string Id,
    string Kind,
    string? Name,
    string? Topic,
    CampaignMessage Message,
    CampaignSchedule Schedule,
    DateTimeOffset StartAt,
    double? Rate,
    string Status,
    string? Cursor,
    long Released,
    bool Exhausted,
    DateTimeOffset CreatedAt,
    string EnvironmentId = Environments.Default);

/// <summary>A recipient read from a campaign's audience, with the time zone its schedule needs.</summary>
public sealed record AudienceMember(string UserId, string? TimeZone);

/// <summary>Counts over a campaign's notifications and their deliveries.</summary>
public sealed record CampaignProgress(
    long Total, long Released, long Planned, long Sent, long Delivered, long Failed, long Suppressed, long Deferred, long Cancelled, long Expired, long Paused);

public interface ICampaignStore
{
    /// <summary>Adds a subscriber to the environment's topic; false when already subscribed. A topic name is unique within its environment.</summary>
    Task<bool> SubscribeAsync(string environmentId, string topic, string userId, DateTimeOffset now, CancellationToken ct);

    Task<bool> UnsubscribeAsync(string environmentId, string topic, string userId, CancellationToken ct);

    /// <summary>The environment's topic's subscribers in user id order after <paramref name="afterUserId"/>.</summary>
    Task<IReadOnlyList<string>> ListSubscribersAsync(string environmentId, string topic, string? afterUserId, int limit, CancellationToken ct);

    /// <summary>Stores a new campaign (and its recipient list) in its environment. False when the id exists (an idempotent retry).</summary>
    Task<bool> CreateCampaignAsync(Campaign campaign, IReadOnlyList<string>? recipients, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Adds recipients to a campaign of the environment that has not started releasing; null when it has (or does not
    /// exist there). Returns how many were new.
    /// </summary>
    Task<int?> AddRecipientsAsync(string environmentId, string campaignId, IReadOnlyList<string> recipients, CancellationToken ct);

    /// <summary>The campaign, or null when the environment has none of that id (another environment's is not found).</summary>
    Task<Campaign?> GetCampaignAsync(string environmentId, string id, CancellationToken ct);

    Task<CampaignProgress> GetProgressAsync(Campaign campaign, CancellationToken ct);

    /// <summary>Leases one campaign whose release is due (scheduled or releasing, start reached, lease free).</summary>
    Task<Campaign?> ClaimReleaseAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, CancellationToken ct);

    /// <summary>The next members of the audience after the campaign's cursor, in user id order.</summary>
    Task<IReadOnlyList<AudienceMember>> ReadAudienceAsync(Campaign campaign, int limit, CancellationToken ct);

    /// <summary>
    /// Inserts one chunk's notifications and moves the cursor, in one transaction, only if the cursor is still
    /// <paramref name="expectedCursor"/>, the lease still <paramref name="owner"/>'s and the campaign still releasing: a chunk
    /// retried or raced by another process inserts nothing twice. False when that check failed.
    /// </summary>
    Task<bool> ReleaseChunkAsync(string campaignId, string owner, string? expectedCursor, string? newCursor, bool exhausted, IReadOnlyList<Notification> notifications,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct);

    /// <summary>Pauses: stops releasing and holds the campaign's notifications not yet planned. False when it is not running.</summary>
    Task<bool> PauseAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Resumes: releasing continues and held notifications are due again, paced from now (one every <paramref name="interval"/>),
    /// never earlier than they were due. False when it is not paused.
    /// </summary>
    Task<bool> ResumeAsync(string environmentId, string campaignId, TimeSpan interval, DateTimeOffset now, CancellationToken ct);

    /// <summary>Cancels: nothing more is released, unplanned notifications and unsent deliveries are cancelled. Returns how many notifications, or null when already final.</summary>
    Task<int?> CancelAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct);
}

/// <summary>How both stores turn a campaign into its row and back (the message and the UTC instant go in one JSON column).</summary>
public static class CampaignRows
{
    public static string RequestJson(Campaign campaign) =>
        new System.Text.Json.Nodes.JsonObject { ["message"] = campaign.Message.ToJson(), ["at"] = campaign.Schedule.At?.ToUnixTimeMilliseconds() }.ToJsonString();

    public static Campaign From(string id, string kind, string? name, string? topic, string request, long startAt, string? local, double? rate, string status,
        string? cursor, long released, bool exhausted, long createdAt)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(request)!;
        var message = CampaignMessage.FromJson(json["message"]!.GetValue<string>());
        var created = DateTimeOffset.FromUnixTimeMilliseconds(createdAt);
        var schedule = local is not null
            ? CampaignSchedule.Parse(local, created)!
            : new CampaignSchedule(json["at"] is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.GetValue<long>()) : created, null, null);
        return new Campaign(id, kind, name, topic, message, schedule, DateTimeOffset.FromUnixTimeMilliseconds(startAt), rate, status, cursor, released, exhausted, created);
    }

    /// <summary>Progress from the notification counts by status, the delivery counts (sent, delivered, failed, suppressed, deferred, cancelled, expired) and the audience not yet released.</summary>
    public static CampaignProgress Progress(Campaign campaign, Dictionary<string, long> byStatus, long[] d, long remaining)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(byStatus);
        ArgumentNullException.ThrowIfNull(d);
        long Count(string status) => byStatus.GetValueOrDefault(status);
        return new CampaignProgress(campaign.Released + remaining, campaign.Released, Count(NotificationStatus.Processing) + Count(NotificationStatus.Completed),
            d[0], d[1], d[2], d[3], d[4], Count(NotificationStatus.Cancelled) + d[5], Count(NotificationStatus.Expired) + d[6], Count(NotificationStatus.Paused));
    }
}
