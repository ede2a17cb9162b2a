using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Core.Channels;

/// <summary>What a sender achieved, with the side effects the completion must commit together with it.</summary>
public sealed record SendResult(DeliveryOutcome Outcome, string Provider, FeedItem? Feed = null, WebhookEndpointResult? Endpoint = null)
{
    /// <summary>Routing decisions taken on the way (failover, open circuits), recorded in the trace before the outcome.</summary>
    public IReadOnlyList<RouteNote>? Notes { get; init; }
}

/// <summary>One routing decision for the trace: decision (failover, skipped, ...) and why.</summary>
public sealed record RouteNote(string Decision, string Reason);

/// <summary>Sends one delivery over one channel. Implementations never throw for provider failures: they return an outcome.</summary>
public interface IChannelSender
{
    Channel Channel { get; }

    Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct);

    /// <summary>
    /// Readies the sends of one claimed batch of this channel's deliveries, reading together what each send would look
    /// up alone; every delivery of <paramref name="batch"/> is then sent through the returned function. Default:
    /// <see cref="SendAsync"/> as it is.
    /// </summary>
    Task<Func<Delivery, CancellationToken, Task<SendResult>>> PrepareAsync(IReadOnlyList<Delivery> batch, CancellationToken ct) =>
        Task.FromResult<Func<Delivery, CancellationToken, Task<SendResult>>>(SendAsync);

    /// <summary>Asks the provider whether it has this delivery (by our reference).</summary>
    Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct);

    /// <summary>
    /// The providers of this channel that can be asked for a sent message's status, each with its confirmation window.
    /// Empty for a channel whose providers cannot be asked.
    /// </summary>
    IReadOnlyList<ConfirmPolicy> ConfirmPolicies => [];

    /// <summary>Asks the provider recorded on a sent delivery for the message's current status.</summary>
    Task<ProviderStatusAnswer> FetchStatusAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(ProviderStatusAnswer.CannotAsk);
}
