namespace Herald.Core.Storage;

/// <summary>
/// What one erasure removed or anonymised. Profile, preferences, devices, feed items, the capture outbox and the user's own
/// webhook endpoints are deleted; notifications and deliveries are kept for anonymous counts, with the recipient replaced
/// by a pseudonym and every personal field (data, target, rendered content, errors, trace reasons, attempt details)
/// cleared; work not yet sent is cancelled first. Topic subscriptions and campaign recipient entries are deleted; digests
/// are kept under the pseudonym with their items' data cleared, and an open one is closed unsent.
/// </summary>
public sealed record ErasureSummary(
    bool Profile,
    int Devices,
    int FeedItems,
    int Notifications,
    int Deliveries,
    int Cancelled,
    int OutboxMessages,
    int WebhookEndpoints,
    int LifecycleEvents,
    int Subscriptions = 0,
    int DigestItems = 0);

public interface IErasureStore
{
    /// <summary>
    /// Erases one user of one environment in one transaction (the same user id in another environment is untouched). <paramref name="pseudonym"/> replaces the user id wherever a row is kept, so counts
    /// per channel, event type and status stay right and distinct recipients still count once, without naming anyone.
    /// </summary>
    Task<ErasureSummary> EraseUserAsync(string environmentId, string userId, string pseudonym, DateTimeOffset now, CancellationToken ct);
}
