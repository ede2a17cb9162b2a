using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Client.Tests;

public sealed class ServiceCollectionTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    [Fact]
    public async Task AddHeraldClient_Resolved_SendsWithConfiguredAddressAndKey()
    {
        var ct = ClientServerFixture.Timeout();
        var services = new ServiceCollection();
        services.AddHeraldClient(o =>
        {
            o.BaseAddress = server.Server;
            o.ApiKey = ClientServerFixture.ApiKey;
        });
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<HeraldClient>();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(client, ct);
        var accepted = await client.SendNotificationAsync(
            new SendNotificationRequest(eventType) { RecipientId = "di", Data = new JsonObject { ["name"] = "Di" } }, ct);

        (await client.GetNotificationAsync(accepted.Id, ct)).EventType.ShouldBe(eventType);
    }

    [Fact]
    public async Task AddHeraldClient_NoBaseAddress_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddHeraldClient(o => o.ApiKey = "k");
        await using var provider = services.BuildServiceProvider();

        var ex = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<HeraldClient>());

        ex.Message.ShouldContain("BaseAddress");
    }
}
