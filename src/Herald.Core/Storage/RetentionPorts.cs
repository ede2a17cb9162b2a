using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>
/// What one retention run may remove. A notification leaves, with its deliveries, attempts, trace and capture outbox
/// messages, only when it and all its deliveries are terminal and none of them changed since
/// <see cref="NotificationsBefore"/>; feed items leave when created before <see cref="FeedBefore"/>, read or not.
/// <see cref="BatchSize"/> bounds the rows of one delete transaction.
/// </summary>
public sealed record RetentionCutoffs(DateTimeOffset NotificationsBefore, DateTimeOffset FeedBefore, int BatchSize);

/// <summary>
/// What one retention run removed. <see cref="CarriedOver"/> counts notifications kept from a dropped PostgreSQL month
/// because they were still pending; <see cref="PagesFreed"/> the SQLite pages given back to the file system.
/// </summary>
public sealed record RetentionSummary(long Notifications, long Deliveries, long FeedItems, long OutboxMessages, int PartitionsDropped, long CarriedOver, long PagesFreed)
{
    public static readonly RetentionSummary None = new(0, 0, 0, 0, 0, 0, 0);

    public bool IsEmpty => this == None;

    public RetentionSummary Add(RetentionSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Notifications + other.Notifications, Deliveries + other.Deliveries, FeedItems + other.FeedItems, OutboxMessages + other.OutboxMessages,
            PartitionsDropped + other.PartitionsDropped, CarriedOver + other.CarriedOver, PagesFreed + other.PagesFreed);
    }
}

/// <summary>Removes what is past its retention and never anything still pending (the scheduler's retention job).</summary>
public interface IRetentionStore
{
    Task<RetentionSummary> PurgeExpiredAsync(RetentionCutoffs cutoffs, CancellationToken ct);
}

/// <summary>
/// The statuses after which nothing more happens to a row, the only ones retention removes. Listed (rather than the
/// pending ones) so that a status added later is kept until someone decides otherwise.
/// </summary>
public static class RetentionStatuses
{
    public static readonly IReadOnlyList<string> TerminalNotifications = NotificationStatus.Terminal;

    public static readonly IReadOnlyList<string> TerminalDeliveries = DeliveryStatus.Terminal;

    /// <summary>A SQL list literal, <c>('a', 'b')</c>, of constant statuses (never user input).</summary>
    public static string SqlList(IEnumerable<string> statuses) => "(" + string.Join(", ", statuses.Select(s => "'" + s + "'")) + ")";

    /// <summary>
    /// The lower bound of the time-ordered ids (UUIDv7, see Ids) minted at <paramref name="at"/>: every id with this prefix
    /// made earlier sorts below it, so "made before" is a range scan of the primary key.
    /// </summary>
    public static string IdBound(string prefix, DateTimeOffset at) =>
        prefix + "_" + Math.Max(0, at.ToUnixTimeMilliseconds()).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}
