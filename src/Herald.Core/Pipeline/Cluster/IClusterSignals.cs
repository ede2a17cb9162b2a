namespace Herald.Core.Pipeline.Cluster;

/// <summary>
/// "Something changed" between Herald processes sharing one store: a topic (<see cref="ClusterTopics"/>) and a short key
/// (a template id, a user id, a lane). A signal carries no data: the receiver reads the store. Delivery is best effort,
/// so every receiver keeps a fallback (a TTL or a poll); when signals may have been missed (the listener reconnected),
/// subscribers get a null key: anything of their topic may have changed.
/// </summary>
public interface IClusterSignals
{
    /// <summary>
    /// Tells every process, this one included, that <paramref name="key"/> of <paramref name="topic"/> changed. For a
    /// change the store writes, the store sends the signal itself, once (and only if) the write commits.
    /// </summary>
    Task PublishAsync(string topic, string key, CancellationToken ct);

    /// <summary>
    /// Calls <paramref name="handler"/> for each signal of <paramref name="topic"/> (key null: anything may have changed).
    /// Handlers run on the listener's thread: they must be short and must not block. Dispose to stop.
    /// </summary>
    IDisposable Subscribe(string topic, Action<string?> handler);
}

/// <summary>The topics of <see cref="IClusterSignals"/> and what their keys name.</summary>
public static class ClusterTopics
{
    /// <summary>A template version was published; key: the template id.</summary>
    public const string Template = "template";

    /// <summary>A layout or partial of an environment was written or deleted; key: the environment id.</summary>
    public const string TemplateLibrary = "template-library";

    /// <summary>A user's feed changed (items written, read, archived); key: the user id.</summary>
    public const string Feed = "feed";

    /// <summary>Deliveries of a lane became claimable (planned, replayed, retried, deferred); key: <see cref="Lane"/>.</summary>
    public const string Due = "due";

    /// <summary>Notifications wait for planning (accepted, released); key: the priority number.</summary>
    public const string Plan = "plan";

    /// <summary>The digest rules changed; key unused ("*").</summary>
    public const string DigestRules = "digest-rules";

    /// <summary>Operational webhook endpoints changed; key unused ("*").</summary>
    public const string Endpoints = "endpoints";

    /// <summary>An API key was revoked or rotated: caches drop it; key: the API key id.</summary>
    public const string ApiKeys = "api-keys";

    /// <summary>A stored setting was replaced (a subscriber-token secret rotated): caches drop it; key: the setting key.</summary>
    public const string Settings = "settings";

    public static string Lane(Domain.Channel channel, Domain.Priority priority) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(int)channel}:{(int)priority}");

    public static bool TryParseLane(string key, out Domain.Channel channel, out Domain.Priority priority)
    {
        ArgumentNullException.ThrowIfNull(key);
        channel = default;
        priority = default;
        var parts = key.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var c)
            || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var p))
        {
            return false;
        }

        (channel, priority) = ((Domain.Channel)c, (Domain.Priority)p);
        return true;
    }
}
