using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Providers.Abstractions;
using Herald.Providers.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Providers.Tests.Routing;

public sealed class ProviderRegistryTests
{
    private static readonly Dictionary<string, string?> Twilio = new()
    {
        ["Herald:Providers:sms1:Type"] = "twilio",
        ["Herald:Providers:sms1:AccountSid"] = "AC00000000000000000000000000000000",
        ["Herald:Providers:sms1:AuthToken"] = "token",
        ["Herald:Providers:sms1:From"] = "+15550006000",
    };

    [Fact]
    public void Builds_a_router_per_configured_channel_in_the_listed_order()
    {
        var registry = Build(With(Twilio, new()
        {
            ["Herald:Providers:sms2:Type"] = "capture",
            ["Herald:Channels:sms:Providers:0"] = "sms1",
            ["Herald:Channels:sms:Providers:1"] = "sms2",
            ["Herald:Providers:sms1:Match"] = "+1, +44",
            ["Herald:Providers:sms1:Rate"] = "1/s",
        }));

        registry.Routers.Keys.ShouldBe([Channel.Sms]);
        var routes = registry.Routers[Channel.Sms].Routes;
        routes.Select(r => r.Name).ShouldBe(["sms1", "sms2"]);
        routes[0].Match.ShouldBe(["+1", "+44"]);
        routes[0].Bucket!.PerSecond.ShouldBe(1);
        registry.Providers["sms1"].Type.ShouldBe("twilio");
    }

    [Fact]
    public void Missing_credential_fails_naming_the_setting()
    {
        var settings = With(Twilio, new() { ["Herald:Channels:sms:Providers"] = "sms1" });
        settings.Remove("Herald:Providers:sms1:AuthToken");
        Should.Throw<ProviderConfigurationException>(() => Build(settings)).Message.ShouldContain("Herald:Providers:sms1:AuthToken");
    }

    [Fact]
    public void A_configured_but_unrouted_provider_is_still_validated() =>
        Should.Throw<ProviderConfigurationException>(() => Build(new() { ["Herald:Providers:mail:Type"] = "sendgrid" }))
            .Message.ShouldContain("Herald:Providers:mail:");

    [Theory]
    [InlineData("Herald:Providers:sms1:Type", "carrier-pigeon", "is not a provider type")]
    [InlineData("Herald:Channels:sms:Providers", "sms1,sms9", "no Herald:Providers:sms9 section")]
    [InlineData("Herald:Channels:email:Providers", "sms1", "which sends sms, not email")]
    [InlineData("Herald:Providers:sms1:Rate", "lots", "Herald:Providers:sms1:Rate")]
    [InlineData("Herald:Providers:sms1:CircuitBreakDuration", "soon", "Herald:Providers:sms1:CircuitBreakDuration")]
    [InlineData("Herald:Providers:sms1:Timeout", "00:01:00", "must be shorter than Herald:Pipeline:Lease")]
    public void Bad_settings_fail_with_a_message_naming_them(string key, string value, string message)
    {
        var settings = With(Twilio, new() { ["Herald:Channels:sms:Providers"] = "sms1" });
        settings[key] = value;
        Should.Throw<ProviderConfigurationException>(() => Build(settings)).Message.ShouldContain(message);
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> a, Dictionary<string, string?> b)
    {
        var all = new Dictionary<string, string?>(a);
        foreach (var (k, v) in b)
        {
            all[k] = v;
        }

        return all;
    }

    private static ProviderRegistry Build(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return ProviderRegistry.Build(config, _ => new HttpClient(), new NoTracking(), new NoOutbox(), TimeProvider.System, NullLoggerFactory.Instance);
    }

    private sealed class NoTracking : IEmailTracking
    {
        public string Track(Delivery delivery, string html) => html;

        public string? UnsubscribeUrl(Delivery delivery) => null;
    }

    private sealed class NoOutbox : IOutboxStore
    {
        public Task InsertOutboxAsync(OutboxMessage message, CancellationToken ct) => Task.CompletedTask;

        public Task<bool> OutboxHasDeliveryAsync(string deliveryId, CancellationToken ct) => Task.FromResult(false);

        public Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(Channel? channel, string? recipientId, int limit, long? afterId, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<OutboxMessage>>([]);
    }
}
