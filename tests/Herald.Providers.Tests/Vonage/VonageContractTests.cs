using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Vonage;

public sealed class VonageContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "vonage";

    /// <summary>Vonage cannot find an SMS by our client-ref, so look-ups answer null.</summary>
    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) =>
        VonageSetup.Adapter(baseUrl ?? Sandbox.BaseUrl, timeout);

    protected override Delivery ValidDelivery() => VonageSetup.Delivery();

    /// <summary>The sandbox's barred number: status 7.</summary>
    protected override Delivery? InvalidTargetDelivery() => VonageSetup.Delivery("+15005550007");

    /// <summary>The sandbox's invalid number: status 3.</summary>
    protected override Delivery? PermanentErrorDelivery() => VonageSetup.Delivery("+15005550001");
}
