namespace Herald.Core.Domain;

/// <summary>What one provider call achieved. Outcomes are values; exceptions are for bugs.</summary>
public abstract record DeliveryOutcome
{
    private DeliveryOutcome() { }

    /// <summary>Its one name (see <see cref="OutcomeKind"/>): what an attempt stores and what settlement, metrics and traces say.</summary>
    public abstract string Kind { get; }

    /// <summary>The provider accepted the message.</summary>
    public sealed record Sent(string? ProviderMessageId) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Sent;
    }

    /// <summary>
    /// A transient failure: try again later, no sooner than <paramref name="RetryAfter"/> when given. <paramref name="Throttled"/>:
    /// nothing failed, the provider only had no room now (its 429, our token bucket for it, or an open circuit with no other
    /// provider left), so the delivery is deferred to the next slot without using up one of its attempts.
    /// </summary>
    public sealed record Retry(string Reason, TimeSpan? RetryAfter = null, bool Throttled = false) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Retry;
    }

    /// <summary>The provider refused the message for good; retrying cannot help.</summary>
    public sealed record Rejected(string Reason) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Rejected;
    }

    /// <summary>The target (device token, address, endpoint) is gone; the target should be removed or disabled.</summary>
    public sealed record InvalidTarget(string Reason) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.InvalidTarget;
    }

    /// <summary>
    /// The provider refused our credentials or account (401/403, suspended account): nothing about this message is wrong, so
    /// the router opens the provider's circuit, alerts and fails over; with no provider left the delivery is retried.
    /// </summary>
    public sealed record Misconfigured(string Reason) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Misconfigured;
    }

    /// <summary>Nothing was sent because the target is paused (a disabled webhook endpoint): keep the delivery until it is enabled.</summary>
    public sealed record Held(string Reason) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Held;
    }

    /// <summary>The request may have reached the provider but no answer came back (timeout after send, connection lost).</summary>
    public sealed record Unknown(string Reason) : DeliveryOutcome
    {
        public override string Kind => OutcomeKind.Unknown;
    }
}
