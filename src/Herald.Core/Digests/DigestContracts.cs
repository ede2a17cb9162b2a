using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Pipeline;

namespace Herald.Core.Digests;

/// <summary>
/// Batching for one event type: notifications of it are not sent alone but collected per recipient and grouping key (the
/// value of <see cref="GroupBy"/> in their data, or one group when null) for <see cref="Window"/> from the first one, or until
/// <see cref="MaxItems"/>; then one notification renders <see cref="TemplateId"/> with <c>count</c> and <c>items</c>.
/// <see cref="Batch"/> off leaves sends alone; <see cref="FoldRateLimited"/> also folds emails a rate limit defers into one
/// digest email sent when the limit allows.
/// </summary>
public sealed record DigestRule(string EventType, TimeSpan Window, int MaxItems, string? GroupBy, string TemplateId, bool FoldRateLimited, bool Batch = true);

public static class DigestKinds
{
    /// <summary>Events batched by their rule's window.</summary>
    public const string Batch = "batch";

    /// <summary>Emails deferred by a rate limit, sent together when it allows.</summary>
    public const string RateLimit = "rate_limit";
}

/// <summary>
/// One item for a digest: appended to the open digest of (environment, recipient, event type, kind, key), or opening one.
/// <see cref="EnvironmentId"/> is the item's notification's: a digest never mixes environments.
/// </summary>
public sealed record DigestAppend(
    string RecipientId, string EventType, string Kind, string GroupKey, string NotificationId, string DeliveryId, string Data, DateTimeOffset CloseAt, int MaxItems,
    string TemplateId, IReadOnlyList<Channel>? Channels, string EnvironmentId = Environments.Default);

/// <summary>A digest being closed: what its notification is built from (in the digest's environment).</summary>
public sealed record ClosingDigest(string Id, string RecipientId, string EventType, string Kind, string GroupKey, string TemplateId, IReadOnlyList<Channel>? Channels,
    IReadOnlyList<(string NotificationId, string Data, DateTimeOffset At)> Items, string EnvironmentId = Environments.Default);

/// <summary>Digest rules are one environment's (keyed by environment and event type); digests carry their environment.</summary>
public interface IDigestStore
{
    Task UpsertRuleAsync(string environmentId, DigestRule rule, DateTimeOffset now, CancellationToken ct);

    Task<IReadOnlyList<DigestRule>> ListRulesAsync(string environmentId, CancellationToken ct);

    Task<bool> DeleteRuleAsync(string environmentId, string eventType, CancellationToken ct);

    /// <summary>
    /// Closes up to <paramref name="limit"/> open digests whose window has ended, each with its one notification
    /// (<see cref="DigestNotifications.Build"/>) in the same transaction. Returns how many.
    /// </summary>
    Task<int> CloseDueDigestsAsync(DateTimeOffset now, int limit, CancellationToken ct);
}

/// <summary>Builds the one notification a digest sends. Shared by the closer and the planning transaction (a digest that reached its maximum).</summary>
public static class DigestNotifications
{
    public const string BatchPrefix = "digest:";

    public static bool IsDigest(Notification n) => n.BatchId?.StartsWith(BatchPrefix, StringComparison.Ordinal) == true;

    public static Notification Build(ClosingDigest digest, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var items = new JsonArray();
        foreach (var (_, data, _) in digest.Items)
        {
            items.Add(JsonNode.Parse(data) ?? new JsonObject());
        }

        var json = new JsonObject
        {
            ["count"] = digest.Items.Count,
            ["items"] = items,
            ["group_key"] = digest.GroupKey,
            ["event_type"] = digest.EventType,
            ["first_at"] = digest.Items.Count == 0 ? null : digest.Items[0].At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["last_at"] = digest.Items.Count == 0 ? null : digest.Items[^1].At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        return new Notification(Ids.New("ntf", now), digest.EventType, digest.RecipientId, Priority.Normal, NotificationStatus.Accepted, digest.TemplateId, null,
            digest.Channels, json.ToJsonString(), BatchPrefix + digest.Id, BatchPrefix + digest.Id, now, now, EnvironmentId: digest.EnvironmentId);
    }

    /// <summary>The grouping key of an event's data: the value at the dotted path, as text; "" without a path or value.</summary>
    public static string GroupKey(string? path, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (path is null)
        {
            return "";
        }

        JsonNode? node = data;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }
}
