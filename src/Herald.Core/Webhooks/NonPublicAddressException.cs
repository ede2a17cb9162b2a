using System.Net;

namespace Herald.Core.Webhooks;

/// <summary>Thrown by the connect guard; a distinct type so the sender can tell a refusal from a network failure.</summary>
internal sealed class NonPublicAddressException(string host, IPAddress address)
    : HttpRequestException($"refused to connect to '{host}': it resolves to non-public address {address}");
