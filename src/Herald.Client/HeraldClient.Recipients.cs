using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>Devices (push tokens), topic subscriptions and the in-app feed of a user.</summary>
public sealed partial class HeraldClient
{
    /// <summary>Registers a push token for a user (201); registering it again refreshes it, so a retry is safe.</summary>
    public Task<Device> AddDeviceAsync(string userId, DeviceRequest device, CancellationToken cancellationToken = default) =>
        CallAsync<Device>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/devices", device, null, true, cancellationToken);

    public async Task<IReadOnlyList<Device>> ListDevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        (await CallAsync<DeviceList>(HttpMethod.Get, $"api/v1/users/{Escape(userId)}/devices", null, null, true, cancellationToken)).Devices;

    /// <summary>Removes a device; an unknown one throws a 404.</summary>
    public Task DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/users/{Escape(userId)}/devices/{Escape(deviceId)}", null, true, cancellationToken);

    /// <summary>
    /// Reports a push notification opened on the user's device; <paramref name="deliveryId"/> is the push payload's
    /// <c>herald_delivery_id</c>. Sent with the client's key (users:write); reporting it again changes nothing. A delivery
    /// that is not a push to this user throws a 404.
    /// </summary>
    public Task ReportPushOpenedAsync(string userId, string deliveryId, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/deliveries/{Escape(deliveryId)}/opened", null, true, cancellationToken);

    /// <summary>Subscribes a user to a topic (a no-op when subscribed already).</summary>
    public Task SubscribeToTopicAsync(string topic, string userId, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Put, $"api/v1/topics/{Escape(topic)}/subscribers/{Escape(userId)}", null, true, cancellationToken);

    /// <summary>Unsubscribes a user from a topic; one not subscribed throws a 404.</summary>
    public Task UnsubscribeFromTopicAsync(string topic, string userId, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/topics/{Escape(topic)}/subscribers/{Escape(userId)}", null, true, cancellationToken);

    /// <summary>One page of a topic's subscribers (<paramref name="limit"/> 1-1000, default 100); <paramref name="cursor"/> is a page's NextCursor.</summary>
    public Task<TopicSubscriberPage> ListTopicSubscribersAsync(string topic, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        CallAsync<TopicSubscriberPage>(HttpMethod.Get, $"api/v1/topics/{Escape(topic)}/subscribers" + Query.Of(("limit", Query.Number(limit)), ("cursor", cursor)),
            null, null, true, cancellationToken);

    /// <summary>One page of a user's feed, newest first; <paramref name="cursor"/> is a page's NextCursor.</summary>
    public Task<FeedPage> GetFeedAsync(string userId, bool unreadOnly = false, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        CallAsync<FeedPage>(HttpMethod.Get, $"api/v1/users/{Escape(userId)}/feed" + Query.Of(("unread_only", unreadOnly ? "true" : null), ("limit", Query.Number(limit)),
            ("cursor", cursor)), null, null, true, cancellationToken);

    /// <summary>Marks one feed item read; an item not in the user's feed throws a 404.</summary>
    public Task<FeedUnread> MarkFeedItemReadAsync(string userId, string notificationId, CancellationToken cancellationToken = default) =>
        CallAsync<FeedUnread>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/feed/{Escape(notificationId)}/read", null, null, true, cancellationToken);

    public Task<FeedMarkedRead> MarkFeedReadAsync(string userId, CancellationToken cancellationToken = default) =>
        CallAsync<FeedMarkedRead>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/feed/read-all", null, null, true, cancellationToken);

    /// <summary>
    /// Mints a ticket for the user's feed stream (a key with content:read), for a browser to open the SSE stream with; this
    /// client does not read the stream. Not retried after a lost answer, as a subscriber token is not.
    /// </summary>
    public Task<FeedStreamTicket> CreateFeedStreamTicketAsync(string userId, CancellationToken cancellationToken = default) =>
        CallAsync<FeedStreamTicket>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/feed/stream-ticket", null, null, false, cancellationToken);

    /// <summary>Archives one feed item (it leaves the feed); an item not in the user's feed throws a 404.</summary>
    public Task<FeedUnread> ArchiveFeedItemAsync(string userId, string notificationId, CancellationToken cancellationToken = default) =>
        CallAsync<FeedUnread>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/feed/{Escape(notificationId)}/archive", null, null, true, cancellationToken);
}
