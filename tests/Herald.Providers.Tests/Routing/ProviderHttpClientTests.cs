using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Providers.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Providers.Tests.Routing;

public sealed class ProviderHttpClientTests
{
    [Fact]
    public async Task Web_push_without_a_base_url_pin_cannot_reach_a_loopback_endpoint()
    {
        var registry = Registry(new()
        {
            ["Herald:Providers:web:Type"] = "webpush",
            ["Herald:Providers:web:VapidPublicKey"] = "BC_g_LmkLbYMBjvDwyN2s_yfujXnXKl7h0MGZ9zKgtxTTPP7zsls9Hp5Sl2kjlexnds372onSyzH7Trh1t4f_e0",
            ["Herald:Providers:web:VapidPrivateKey"] = "c2SbjUA3G8AgIr-mWQh5xKx7te2ncygzKXo3Lt6Arww",
            ["Herald:Providers:web:Subject"] = "mailto:ops@herald.test",
            ["Herald:Channels:push:Providers"] = "web",
        }, out var http);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        // The client behind the adapter refuses the connection itself (the subscription is a browser's word, not ours).
        var ex = await Should.ThrowAsync<HttpRequestException>(() => http.CreateClient("herald-provider-web").GetAsync($"https://127.0.0.1:{port}/push"));
        ex.ToString().ShouldContain("non-public address");
        registry.Routers[Channel.Push].Routes.Single().Name.ShouldBe("web");
    }

    [Fact]
    public async Task Other_providers_may_be_pointed_at_loopback_for_the_sandbox()
    {
        Registry(new()
        {
            ["Herald:Providers:sms1:Type"] = "capture",
            ["Herald:Channels:sms:Providers"] = "sms1",
        }, out var http);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var call = http.CreateClient("herald-provider-sms1").GetAsync($"http://127.0.0.1:{port}/", cts.Token);
        using var accepted = await listener.AcceptTcpClientAsync(cts.Token);
        accepted.Connected.ShouldBeTrue();
        await Should.ThrowAsync<Exception>(() => call);
    }

    private static ProviderRegistry Registry(Dictionary<string, string?> settings, out IHttpClientFactory http)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IOutboxStore, NoOutbox>();
        services.AddHeraldProviders(config);
        var provider = services.BuildServiceProvider();
        http = provider.GetRequiredService<IHttpClientFactory>();
        return provider.GetRequiredService<ProviderRegistry>();
    }

    private sealed class NoOutbox : IOutboxStore
    {
        public Task InsertOutboxAsync(OutboxMessage message, CancellationToken ct) => Task.CompletedTask;

        public Task<bool> OutboxHasDeliveryAsync(string deliveryId, CancellationToken ct) => Task.FromResult(false);

        public Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(Channel? channel, string? recipientId, int limit, long? afterId, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<OutboxMessage>>([]);
    }
}
