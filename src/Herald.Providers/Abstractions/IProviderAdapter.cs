using Herald.Core.Domain;

namespace Herald.Providers.Abstractions;

/// <summary>
/// One configured provider instance (<c>Herald:Providers:&lt;name&gt;</c>) speaking one vendor's wire protocol. Adapters never
/// throw for provider failures: every answer, timeout and connection fault maps to a <see cref="DeliveryOutcome"/>.
/// </summary>
public interface IProviderAdapter
{
    /// <summary>The instance name from configuration (for example <c>sms1</c>).</summary>
    string Name { get; }

    /// <summary>The vendor type (<c>twilio</c>, <c>smtp</c>, ...).</summary>
    string Type { get; }

    Channel Channel { get; }

    /// <summary>Sends one rendered delivery. <see cref="Delivery.Content"/> holds the channel's rendered parts as JSON.</summary>
    Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct);

    /// <summary>
    /// Asks the vendor whether it holds this delivery (matched by our delivery id). A vendor with no look-up API answers
    /// <see cref="LookUpAnswer.CannotAsk"/>; one whose look-up failed this time (5xx, timeout) answers
    /// <see cref="LookUpAnswer.Unanswered"/>, and the reconciler asks again later.
    /// </summary>
    Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct);

    /// <summary>
    /// How long after <c>sent</c> this provider should have confirmed a message, and how often it is asked after that;
    /// null for a vendor that cannot be asked for a message's status.
    /// </summary>
    ConfirmPolicy? Confirm => null;

    /// <summary>
    /// Asks the vendor for the current status of a message it accepted (<see cref="Delivery.ProviderMessageId"/>). Never
    /// throws for vendor failures: a 5xx, timeout or unreadable answer is <see cref="ProviderStatusAnswer.Unanswered"/>.
    /// </summary>
    Task<ProviderStatusAnswer> FetchStatusAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(ProviderStatusAnswer.CannotAsk);
}

/// <summary>An adapter whose vendor reports delivery status later by calling us (<c>/api/v1/webhooks/{name}</c>).</summary>
public interface IStatusCallbackReceiver
{
    /// <summary>Verifies the callback's signature and parses it. Never throws for bad input: it returns a rejection.</summary>
    CallbackResult Parse(InboundCallback callback);

    /// <summary>False when the vendor's signing secret is not configured: then every callback is refused (fail closed).</summary>
    bool CallbacksVerifiable { get; }
}
