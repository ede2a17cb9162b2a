using Herald.Core.Domain;
using Herald.Core.Webhooks;
using Herald.Providers.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Providers.Tests.Webhooks;

public sealed class WebhookSenderRegistrationTests
{
    [Fact]
    public async Task AddWebhookSender_ResolvedSender_UsesGuardedHandler()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        WebhookSender sender = Provider().GetRequiredService<WebhookSender>();
        var message = new WebhookMessage(receiver.Url("/status/200"), StandardWebhookSigner.GenerateSecret(), "msg_di", DateTimeOffset.UnixEpoch, "{}");

        DeliveryOutcome outcome = await sender.SendAsync(message, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

        outcome.ShouldBeOfType<DeliveryOutcome.Rejected>().Reason.ShouldContain("non-public address");
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public void AddWebhookSender_Registered_WebhookChannelHasASender() =>
        Provider().GetServices<Herald.Core.Channels.IChannelSender>().ShouldHaveSingleItem().Channel.ShouldBe(Channel.Webhook);

    private static ServiceProvider Provider()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection([]).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<Herald.Core.Storage.IWebhookEndpointStore>(_ => null!);
        services.AddWebhookSender();
        return services.BuildServiceProvider();
    }
}
