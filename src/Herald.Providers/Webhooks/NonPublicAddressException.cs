namespace Herald.Providers.Webhooks;

/// <summary>Thrown by the connect guard; a distinct type so the sender can tell a refusal from a network failure.</summary>
/// <remarks>
/// The message names the host the caller gave but not what it resolved to: it lands in delivery history that read keys
/// can see, and the resolved address is an answer from the internal DNS.
/// </remarks>
internal sealed class NonPublicAddressException(string host)
    : HttpRequestException($"refused to connect to '{host}': it resolves to a non-public address");
