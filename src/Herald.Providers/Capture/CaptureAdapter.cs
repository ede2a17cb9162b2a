using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Capture;

/// <summary>The capture provider (GET /api/v1/outbox) as a routable provider: type <c>capture</c>, no settings.</summary>
public sealed class CaptureAdapter(string name, CaptureSender sender) : IProviderAdapter
{
    public string Name => name;

    public string Type => CaptureSender.ProviderName;

    public Channel Channel => sender.Channel;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct) => (await sender.SendAsync(delivery, ct)).Outcome;

    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => sender.LookUpAsync(delivery, ct);
}
