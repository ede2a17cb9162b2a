namespace Herald.Client;

/// <summary>One in-app item of a user's feed.</summary>
public sealed record FeedItem(long Seq, string NotificationId, string EventType, string? Title, string? Body, string? ActionUrl, string? Icon, bool Read,
    DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

/// <summary>A page of a user's feed, newest first, with the user's unread count; pass <see cref="NextCursor"/> for older items, null at the end.</summary>
public sealed record FeedPage(IReadOnlyList<FeedItem> Notifications, int UnreadCount, string? NextCursor);

/// <summary>The user's unread count after a change to the feed.</summary>
public sealed record FeedUnread(int UnreadCount);

/// <summary>How many items <c>read-all</c> marked, and the unread count after it.</summary>
public sealed record FeedMarkedRead(int Marked, int UnreadCount);

/// <summary>A ticket for the feed's SSE stream (<c>GET …/feed/stream?ticket=</c>), valid until <see cref="ExpiresAt"/>: what a backend hands a browser that opens the stream.</summary>
public sealed record FeedStreamTicket(string Ticket, DateTimeOffset ExpiresAt);
