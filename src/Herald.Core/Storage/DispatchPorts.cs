using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Tracking;

namespace Herald.Core.Storage;

/// <summary>What the gate decided for one delivery at claim time.</summary>
public abstract record GateDecision
{
    private GateDecision() { }

    public sealed record Proceed : GateDecision;

    public sealed record Defer(DateTimeOffset Until, string Stage, string Reason) : GateDecision;

    /// <summary>Ends the delivery unsent with <paramref name="Status"/>: suppressed, expired, or cancelled (an escalation whose item was read).</summary>
    public sealed record Suppress(string Stage, string Reason, string Status = DeliveryStatus.Suppressed) : GateDecision;

    /// <summary>Folds the delivery into a rate-limit digest that closes at <paramref name="Until"/>, when the limit allows a send again.</summary>
    public sealed record Fold(DateTimeOffset Until, string Stage, string Reason, string TemplateId) : GateDecision;

    public static readonly GateDecision Go = new Proceed();
}

/// <summary>Reads the gate may make inside the claim transaction, so counts cannot race another claim.</summary>
public interface IGateContext
{
    IReadOnlyList<PreferenceRule> Rules(string environmentId, string userId);

    /// <summary>Claim times (ascending) of deliveries sent or being sent to this recipient on this channel since <paramref name="since"/>.</summary>
    IReadOnlyList<DateTimeOffset> RecentSends(string environmentId, string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null);

    /// <summary>
    /// The id of the latest delivery of another notification with the same content hash sent since <paramref name="since"/>,
    /// or null: the earlier delivery a duplicate is suppressed for.
    /// </summary>
    string? SameContentSent(string environmentId, string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since);

    /// <summary>The reason the address is on the environment's suppression list for this channel, or null.</summary>
    string? Suppression(string environmentId, Channel channel, string address);

    /// <summary>When the notification's in-app item was read, or null (unread, or no item).</summary>
    DateTimeOffset? InAppReadAt(string notificationId);

    /// <summary>
    /// Of the earlier notifications' deliveries to this recipient on this channel at this priority that a provider throttled
    /// and that have not gone out since (deferred to their slot, or claimed again and in flight), the one due last and its
    /// due time (now when in flight), or null: a later delivery waits behind them, so throttling keeps a recipient's order.
    /// </summary>
    ThrottledAhead? ThrottledAhead(Delivery delivery, DateTimeOffset now);
}

/// <summary>An earlier delivery a throttled provider holds back, and when it is due again (now when it is in flight).</summary>
public readonly record struct ThrottledAhead(string DeliveryId, DateTimeOffset Due);

public interface IDispatchGate
{
    GateDecision Decide(Delivery delivery, IGateContext context, DateTimeOffset now);

    /// <summary>
    /// How far back <see cref="Decide"/> counts a recipient's sends on <paramref name="channel"/> for a delivery of
    /// <paramref name="priority"/> (the rate limit, or for urgent the ceiling; zero when nothing is counted), so a store that
    /// loads the facts for a batch up front loads only what a decision reads. Frequency caps add their own day
    /// (<see cref="Gate.GateFacts.CountRanges"/>).
    /// </summary>
    TimeSpan CountWindow(Channel channel, Priority priority) => TimeSpan.FromDays(1);

    /// <summary>The content-dedup window <see cref="Decide"/> applies to <paramref name="delivery"/> (zero: dedup off).</summary>
    TimeSpan DedupWindow(Delivery delivery) => delivery?.DedupWindow ?? TimeSpan.FromDays(1);
}

/// <summary>
/// The result of one provider call (or its settlement), applied only while the claim is still ours.
/// <see cref="IfReportedFailed"/> (a sent outcome only) is what the store applies instead when the provider's failure report
/// already arrived while the send was being settled (<c>tracked_status</c> = failed): the late failure's retry.
/// </summary>
public sealed record DeliveryCompletion(
    string DeliveryId,
    string NotificationId,
    string LeaseOwner,
    string Status,
    DateTimeOffset? DueAt,
    string? Provider,
    string? LastError,
    string Outcome,
    string? ProviderMessageId,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    IReadOnlyList<TraceEntry> Trace,
    FeedItem? FeedItem = null,
    string? RemoveDeviceId = null,
    WebhookEndpointResult? EndpointResult = null,
    Suppression? Suppress = null,
    Notification? LifecycleEvent = null,
    FallbackPlan? Fallback = null,
    LateOutcome? IfReportedFailed = null)
{
    /// <summary>The outcome of an attempt deferred because no provider had room: the store gives the claim's attempt back.</summary>
    public const string ThrottledOutcome = OutcomeKind.Throttled;

    /// <summary>The outcome recorded for a completion the store refused (see <see cref="Unstorable"/>).</summary>
    public const string UnstorableOutcome = OutcomeKind.Unstorable;

    /// <summary>
    /// What is written instead of a completion the store refused (see <see cref="BatchIsolation"/>): the delivery
    /// <c>failed</c> with the store's reason, without anything the completion carried (feed item, provider id, events,
    /// fallback), so it is settled once and never tried again.
    /// </summary>
    public DeliveryCompletion Unstorable(string reason, DateTimeOffset now)
    {
        var why = $"the outcome could not be stored ({reason}); failed";
        return new DeliveryCompletion(DeliveryId, NotificationId, LeaseOwner, DeliveryStatus.Failed, null, Provider, why, UnstorableOutcome, null,
            StartedAt, FinishedAt, [new TraceEntry(NotificationId, now, "dispatch", Trace.Count > 0 ? Trace[^1].Channel : null, "failed", why)]);
    }
}

/// <summary>Why a channel falls back: its deliveries all ended badly, or one kept failing past the channel's deadline.</summary>
public enum FallbackTrigger
{
    /// <summary>Added only when no delivery of the notification on <see cref="FallbackPlan.From"/> is sent, delivered or still pending.</summary>
    Ended,

    /// <summary>Added only when no delivery of the notification on <see cref="FallbackPlan.From"/> has been sent (the others may still be retrying).</summary>
    Deadline,
}

/// <summary>
/// The next channel of a notification's fallback chain, planned before the settlement that may need it and added by the
/// store in that settlement's transaction only if, there, <see cref="Trigger"/>'s condition holds and the notification has no
/// delivery on <see cref="To"/> yet: so a fallback survives a crash with the settlement, and happens once per notification
/// and channel however many devices or nodes settle at once. <see cref="Deliveries"/> may be empty (no channel left had a
/// target); the trace then says so.
/// </summary>
public sealed record FallbackPlan(string NotificationId, Channel From, Channel To, FallbackTrigger Trigger, IReadOnlyList<Delivery> Deliveries, IReadOnlyList<TraceEntry> Trace)
{
    /// <summary>Statuses of a delivery on <see cref="From"/> that keep an <see cref="FallbackTrigger.Ended"/> fallback from happening.</summary>
    public static readonly string[] EndedBlockers = [.. DeliveryStatus.SentOrMaySend];

    /// <summary>Statuses of a delivery on <see cref="From"/> that keep a <see cref="FallbackTrigger.Deadline"/> fallback from happening.</summary>
    public static readonly string[] DeadlineBlockers = [.. DeliveryStatus.SentOrBeyond];

    public IReadOnlyList<string> Blockers => Trigger == FallbackTrigger.Ended ? EndedBlockers : DeadlineBlockers;
}

/// <summary>
/// A failure a provider reported after the send was settled as sent (an SMS the carrier rejected): the delivery's next
/// state as a send-time failure would have had it (a retry, the DLQ, failed), applied only while it is still sent.
/// </summary>
public sealed record LateOutcome(string Status, DateTimeOffset? DueAt, string Error);

/// <summary>
/// How a webhook endpoint answered, so failing endpoints can be disabled. <see cref="DisabledEvent"/> (endpoint.disabled) is
/// inserted in the same transaction when this result disables the endpoint.
/// </summary>
public sealed record WebhookEndpointResult(string EndpointId, bool Succeeded, bool DisableNow, string? Reason, Notification? DisabledEvent = null);

public interface IDispatchStore
{
    /// <summary>
    /// Claims due deliveries of one lane (status queued, deferred or retrying with due_at ≤ now), runs the gate on each
    /// inside the same transaction and returns those that may be sent, now in status sending with a lease.
    /// </summary>
    Task<IReadOnlyList<Delivery>> ClaimDueAsync(Channel channel, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, IDispatchGate gate, CancellationToken ct) =>
        ClaimDueAsync(channel, priority, now, leaseUntil, owner, limit, gate, null, ct);

    /// <summary>
    /// As above, leaving queued this round the due deliveries of <paramref name="held"/> recipients (ids; those the caller
    /// still has a send in flight for on this lane), so a lane that claims its next batch while the last one is sending
    /// never sends a recipient's later message beside an earlier one still on its way. Up to <paramref name="limit"/>
    /// deliveries of other recipients are claimed in their place.
    /// </summary>
    Task<IReadOnlyList<Delivery>> ClaimDueAsync(Channel channel, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, IDispatchGate gate,
        IReadOnlySet<string>? held, CancellationToken ct);

    /// <summary>
    /// Applies completions; one whose claim is no longer ours (status or owner changed) is skipped and returned false. One
    /// whose own data the store refuses does not fail the others: it is written as <see cref="DeliveryCompletion.Unstorable"/>,
    /// returned false and reported (<see cref="BatchResults.RefusalOf"/>).
    /// </summary>
    Task<BatchResults> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, DateTimeOffset now, CancellationToken ct);

    /// <summary>Takes over deliveries whose sending lease expired (a crashed or stuck worker) for reconciliation.</summary>
    Task<IReadOnlyList<Delivery>> ClaimExpiredSendingAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, int limit, CancellationToken ct);

    /// <summary>
    /// Gives back a delivery taken by <see cref="ClaimExpiredSendingAsync"/> whose provider did not answer the look-up:
    /// it stays unknown (never resent meanwhile) and is taken again once <paramref name="until"/> passes. Only while
    /// <paramref name="owner"/> still holds it; the trace entry says why.
    /// </summary>
    Task PostponeLookUpAsync(Delivery delivery, string owner, DateTimeOffset until, TraceEntry trace, CancellationToken ct);

    /// <summary>Moves a dead delivery back to the queue. False when it is not dead (for example already sent).</summary>
    Task<bool> ReplayDeadAsync(string deliveryId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Earliest due time of waiting work in a lane, to sleep until then.</summary>
    Task<DateTimeOffset?> NextDueAsync(Channel channel, Priority priority, CancellationToken ct);
}

/// <summary>A user's in-app feed, within one environment (the same user id in another environment has its own feed).</summary>
public interface IFeedStore
{
    Task<IReadOnlyList<FeedItem>> GetFeedAsync(string environmentId, string userId, bool unreadOnly, int limit, long? beforeSeq, CancellationToken ct);
    /// <summary>Items after <paramref name="afterSeq"/>, oldest first, leaving out archived ones (the live stream's catch-up).</summary>
    Task<IReadOnlyList<FeedItem>> GetFeedSinceAsync(string environmentId, string userId, long afterSeq, int limit, CancellationToken ct);
    Task<int> CountUnreadAsync(string environmentId, string userId, CancellationToken ct);
    Task<bool> MarkReadAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct);
    Task<int> MarkAllReadAsync(string environmentId, string userId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Hides an item from the feed (and marks it read, cancelling its escalations); false when the user has no such item.</summary>
    Task<bool> ArchiveAsync(string environmentId, string userId, string notificationId, DateTimeOffset now, CancellationToken ct);
}

/// <summary>
/// Webhook endpoints, each of one environment (<see cref="WebhookEndpoint.EnvironmentId"/>, stored on insert). Reads and
/// changes by id take the environment too and treat another environment's endpoint as unknown; a notification's fan-out
/// reads only its own environment's endpoints.
/// </summary>
public interface IWebhookEndpointStore
{
    Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct);
    Task<WebhookEndpoint?> GetEndpointAsync(string environmentId, string id, CancellationToken ct);

    /// <summary>
    /// <see cref="GetEndpointAsync"/> for several ids of one environment (a lane's batch of webhook sends), keyed by id;
    /// an id not found is absent.
    /// </summary>
    Task<IReadOnlyDictionary<string, WebhookEndpoint>> GetEndpointsAsync(string environmentId, IReadOnlyCollection<string> ids, CancellationToken ct);

    Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string environmentId, string recipientId, CancellationToken ct);

    /// <summary>
    /// <see cref="GetEndpointsForRecipientAsync"/> for the recipients of one environment in a planning batch, keyed by
    /// recipient id (every id present); a batch that mixes environments asks once per environment.
    /// </summary>
    async Task<IReadOnlyDictionary<string, IReadOnlyList<WebhookEndpoint>>> GetEndpointsForRecipientsAsync(string environmentId, IReadOnlyCollection<string> recipientIds,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recipientIds);
        var result = new Dictionary<string, IReadOnlyList<WebhookEndpoint>>(StringComparer.Ordinal);
        foreach (var id in recipientIds)
        {
            result[id] = await GetEndpointsForRecipientAsync(environmentId, id, ct);
        }

        return result;
    }

    /// <summary>The environment's enabled endpoints registered without a recipient (operational subscribers), oldest first.</summary>
    Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(string environmentId, CancellationToken ct);
    Task<bool> DeleteEndpointAsync(string environmentId, string id, CancellationToken ct);
    Task<bool> EnableEndpointAsync(string environmentId, string id, CancellationToken ct);

    /// <summary>Disables an endpoint by hand, with <paramref name="reason"/>; false when it is unknown.</summary>
    Task<bool> DisableEndpointAsync(string environmentId, string id, string reason, CancellationToken ct);

    /// <summary>The environment's endpoints by id; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(string environmentId, int limit, string? cursor, CancellationToken ct);

    /// <summary>
    /// Settles held webhook deliveries of one endpoint (or, with null, of all): held since before <paramref name="expireBefore"/>
    /// → expired; their endpoint deleted → failed; their endpoint enabled → queued again with their original due time, so the
    /// lanes take them oldest first at their own concurrency. Each with a trace entry. Returns how many went back to the queue.
    /// </summary>
    Task<int> ReleaseHeldAsync(string? endpointId, DateTimeOffset expireBefore, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Queues again the endpoint's webhook deliveries that are held, failed or dead and were never sent, of notifications
    /// accepted in [<paramref name="since"/>, <paramref name="until"/>), with their original due time. A delivery already
    /// queued, being sent or sent is left alone, so recovering twice sends nothing twice. Returns how many were queued.
    /// </summary>
    Task<int> RecoverAsync(string endpointId, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken ct);
}

public interface IOutboxStore
{
    /// <summary>
    /// Stores what the capture provider received. Idempotent per delivery id, as a provider keyed on our reference is: a
    /// second send of one delivery (its first completion outlived the lease while the reconciler looked) adds nothing.
    /// </summary>
    Task InsertOutboxAsync(OutboxMessage message, CancellationToken ct);

    /// <summary>Whether the capture provider holds a delivery; waits for a store of the same delivery still in flight.</summary>
    Task<bool> OutboxHasDeliveryAsync(string deliveryId, CancellationToken ct);
    Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(Channel? channel, string? recipientId, int limit, long? afterId, CancellationToken ct);
}

/// <summary>
/// One provider report applied to the store: a status for a delivery, a suppression to add or lift, and its trace entry.
/// <see cref="LifecycleEvent"/> is inserted in the same transaction when the status update changes the delivery.
/// <see cref="Late"/> (a failure reported after sent) replaces the status update while the delivery is still sent: it is
/// retried, dead-lettered or failed as at send time, and <see cref="Fallback"/> is added as for a completion.
/// <see cref="Receipt"/> makes the update apply at most once: when a live receipt with its key is already stored, the
/// whole update is skipped; otherwise the receipt is stored in the same transaction.
/// </summary>
public sealed record TrackingUpdate(string? DeliveryId, string? NotificationId, string? Status, DateTimeOffset At, TraceEntry? Trace,
    Suppression? Suppress = null, Suppression? Unsuppress = null, Notification? LifecycleEvent = null, LateOutcome? Late = null, FallbackPlan? Fallback = null,
    CallbackReceipt? Receipt = null);

/// <summary>
/// What a provider callback applied, remembered until <paramref name="ExpiresAt"/> so a replay of it is ignored:
/// <paramref name="Key"/> is the vendor's own id of the event (Mailgun token, Twilio MessageSid and status, SendGrid
/// sg_event_id, Vonage message id and status).
/// </summary>
public sealed record CallbackReceipt(string Provider, string Key, DateTimeOffset ExpiresAt);

/// <summary>What the provider status callbacks, open/click tracking and the suppression API need.</summary>
public interface ITrackingStore
{
    /// <summary>A delivery by our id, else by the provider's message id.</summary>
    Task<Delivery?> FindTrackedDeliveryAsync(string? deliveryId, string? providerMessageId, CancellationToken ct);

    /// <summary>
    /// Applies every update in one transaction. Statuses only move forward. An update whose <see cref="TrackingUpdate.Receipt"/>
    /// is already held (and not expired at <paramref name="now"/>) is skipped whole.
    /// </summary>
    Task ApplyTrackingAsync(IReadOnlyList<TrackingUpdate> updates, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Applies <paramref name="unsubscription"/> to the user's preferences as they are inside one transaction (a user without
    /// a row gets a bare one), writes its trace entry in the same transaction, and returns true; a concurrent preference
    /// write is ordered before or after it, never lost. False, with nothing written, when the rules already hold the opt-out.
    /// </summary>
    Task<bool> UnsubscribeAsync(Unsubscription unsubscription, DateTimeOffset now, CancellationToken ct);

    /// <summary>Deletes callback receipts that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeCallbackReceiptsAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>The environment's suppressions, newest first.</summary>
    Task<IReadOnlyList<Suppression>> ListSuppressionsAsync(string environmentId, Channel? channel, string? address, int limit, CancellationToken ct);

    Task<bool> RemoveSuppressionAsync(string environmentId, Channel channel, string address, CancellationToken ct);
}
