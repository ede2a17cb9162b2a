namespace Herald.Client;

/// <summary>Where webhook deliveries go: a recipient's endpoint (<see cref="RecipientId"/>), or without one an operational endpoint that receives Herald's lifecycle events.</summary>
public sealed record WebhookEndpointRequest(string Url)
{
    public IReadOnlyList<string>? EventTypes { get; init; }

    public string? Description { get; init; }

    public string? RecipientId { get; init; }
}

/// <summary>A webhook endpoint. <see cref="Secret"/> (the signing secret) is set only in the answer that created it.</summary>
public sealed record WebhookEndpoint(string Id, string? RecipientId, string Url, IReadOnlyList<string> EventTypes, string? Description, bool Enabled,
    string? DisabledReason, DateTimeOffset? FailingSince, DateTimeOffset CreatedAt, string? Secret);

/// <summary>One page of webhook endpoints; pass <see cref="NextCursor"/> for the next, null at the end.</summary>
public sealed record WebhookEndpointPage(IReadOnlyList<WebhookEndpoint> Endpoints, string? NextCursor);

/// <summary>Sends again what the endpoint missed between <see cref="Since"/> and <see cref="Until"/> (null: now).</summary>
public sealed record WebhookRecoverRequest(DateTimeOffset Since)
{
    public DateTimeOffset? Until { get; init; }
}

/// <summary>How many held, failed or dead deliveries went back to the queue (sent later, in their original order).</summary>
public sealed record WebhookRecovery(string EndpointId, DateTimeOffset Since, DateTimeOffset Until, int Recovered);
