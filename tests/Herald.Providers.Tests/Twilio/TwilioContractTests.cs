using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Twilio;

public sealed class TwilioContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "twilio";

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) =>
        TwilioSetup.Adapter(baseUrl ?? Sandbox.BaseUrl, timeout);

    protected override Delivery ValidDelivery() => TwilioSetup.Delivery();

    /// <summary>Twilio's test number for an unsubscribed recipient (21610).</summary>
    protected override Delivery? InvalidTargetDelivery() => TwilioSetup.Delivery("+15005550004");

    /// <summary>Twilio's test number for an invalid 'To' (21211).</summary>
    protected override Delivery? PermanentErrorDelivery() => TwilioSetup.Delivery("+15005550001");
}
