using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Fcm;

public sealed class FcmContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "fcm";

    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) => FcmSetup.Adapter(Sandbox, baseUrl, timeout);

    protected override Delivery ValidDelivery() => FcmSetup.Delivery();

    protected override Delivery? InvalidTargetDelivery() => FcmSetup.Delivery("unregistered-" + Guid.NewGuid().ToString("N"));

    protected override Delivery? PermanentErrorDelivery() => FcmSetup.Delivery("toolarge-" + Guid.NewGuid().ToString("N"));
}
