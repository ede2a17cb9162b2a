using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.WebPush;

public sealed class WebPushContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    private readonly (string PublicKey, string PrivateKey) _keys = WebPushTestKit.NewVapidKeys();
    private string? _endpointBase;

    protected override string Vendor => "webpush";

    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null)
    {
        // A web push endpoint is the whole URL, so "the vendor at another base URL" means subscriptions whose endpoints are
        // there: deliveries built after this call point at it (the contract builds its delivery after the adapter).
        _endpointBase = baseUrl;
        return WebPushTestKit.Adapter(_keys, baseUrl ?? Sandbox.BaseUrl, timeout);
    }

    protected override Delivery ValidDelivery() => WebPushTestKit.Delivery(Subscription());

    /// <summary>A subscription the push service reports gone (410): the sandbox's "gone" ids.</summary>
    protected override Delivery? InvalidTargetDelivery() => WebPushTestKit.Delivery(Subscription("gone-" + Guid.NewGuid().ToString("N")));

    /// <summary>A body too large for the 4096 bytes push services take: 413, refused for good.</summary>
    protected override Delivery? PermanentErrorDelivery() =>
        WebPushTestKit.Delivery(Subscription(), new JsonObject { ["title"] = "Too long", ["body"] = new string('x', 5000) });

    private JsonObject Subscription(string? id = null)
    {
        var subscription = WebPushTestKit.Subscribe(Sandbox, id);
        if (_endpointBase is not null)
        {
            subscription["endpoint"] = subscription["endpoint"]!.GetValue<string>().Replace(Sandbox.BaseUrl, _endpointBase);
        }

        return subscription;
    }
}
