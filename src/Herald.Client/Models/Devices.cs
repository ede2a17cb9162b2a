namespace Herald.Client;

public enum DevicePlatform
{
    Ios,
    Android,
    Web,
}

/// <summary>A push token for a user's device. Registering a token the user has already refreshes it; one another user holds moves here.</summary>
public sealed record DeviceRequest(string Token, DevicePlatform Platform)
{
    public string? AppVersion { get; init; }
}

/// <summary>A registered device; <see cref="Token"/> comes back masked.</summary>
public sealed record Device(string Id, DevicePlatform Platform, string Token, string? AppVersion, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt);

internal sealed record DeviceList(IReadOnlyList<Device> Devices);

/// <summary>One page of a topic's subscribers (user ids); pass <see cref="NextCursor"/> for the next, null at the end.</summary>
public sealed record TopicSubscriberPage(string Topic, IReadOnlyList<string> Subscribers, string? NextCursor);
