using System.Text.Json.Nodes;

namespace Herald.Client;

/// <summary>
/// A provider on a channel's route, in the order it is tried. <see cref="Circuit"/> is its circuit breaker's state and
/// <see cref="Callbacks"/> "on" (status callbacks verified and applied), "off" (refused for want of a signing secret) or
/// null (the provider sends none); both stay strings, as the document has them.
/// </summary>
public sealed record Provider(string Name, string Type, Channel Channel, int Order, string Circuit, IReadOnlyList<string> Match, double? RatePerSecond,
    ProviderStats Stats, IReadOnlyList<CircuitTransition> Transitions, bool Enabled, string? Callbacks);

/// <summary>Calls of the last five minutes (<see cref="RecentCalls"/>, rates, latencies) and since the process started (the totals).</summary>
public sealed record ProviderStats(int RecentCalls, double ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms, long TotalCalls, long TotalFailures);

public sealed record CircuitTransition(DateTimeOffset At, string State);

internal sealed record ProviderList(IReadOnlyList<Provider> Providers);

/// <summary>
/// An address Herald no longer sends to (a hard bounce, a complaint, an opt-out), as <see cref="Source"/> (the provider) reported it.
/// <see cref="Address"/> is masked unless the key has content:read.
/// </summary>
public sealed record Suppression(Channel Channel, string Address, string Reason, string Source, DateTimeOffset CreatedAt);

internal sealed record SuppressionList(IReadOnlyList<Suppression> Suppressions);

/// <summary>
/// A message the capture provider kept instead of sending (email, SMS, push), as the vendor would have received it.
/// Without content:read <see cref="Target"/> is masked and <see cref="Message"/> null.
/// </summary>
public sealed record OutboxMessage(long Id, string DeliveryId, Channel Channel, string Provider, string RecipientId, string Target, JsonNode? Message,
    DateTimeOffset CreatedAt);

/// <summary>One page of the outbox, oldest first; pass <see cref="NextCursor"/> for the next, null at the end.</summary>
public sealed record OutboxPage(IReadOnlyList<OutboxMessage> Messages, string? NextCursor);
