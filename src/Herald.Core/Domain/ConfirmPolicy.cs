namespace Herald.Core.Domain;

/// <summary>
/// How long after <c>sent</c> a provider that can be asked should have confirmed a message (by a status callback), and
/// how many times it is asked after that before the delivery is left <c>sent</c>.
/// </summary>
public sealed record ConfirmPolicy(string Provider, TimeSpan Within, int MaxLookUps);
