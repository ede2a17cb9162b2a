using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Apns;

public sealed class ApnsContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "apns";

    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) => ApnsSetup.Adapter(Sandbox, baseUrl, timeout);

    protected override Delivery ValidDelivery() => ApnsSetup.Delivery();

    protected override Delivery? InvalidTargetDelivery() => ApnsSetup.Delivery(ApnsSetup.NewToken("dead"));

    /// <summary>A payload over APNs' 4 KB limit: 413 PayloadTooLarge.</summary>
    protected override Delivery? PermanentErrorDelivery() =>
        ApnsSetup.Delivery(content: new JsonObject { ["title"] = "Too much", ["body"] = new string('x', 5000) });
}
