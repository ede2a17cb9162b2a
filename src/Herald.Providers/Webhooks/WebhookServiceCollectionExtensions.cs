using Herald.Core.Channels;
using Herald.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Providers.Webhooks;

/// <summary>Registers the webhook channel: its settings, a guarded typed client for <see cref="WebhookSender"/>, and the channel sender.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Adds <see cref="WebhookOptions"/> (validated at start), <see cref="WebhookSender"/> as a typed HTTP client and the webhook <see cref="IChannelSender"/>.</summary>
    public static IServiceCollection AddWebhookSender(this IServiceCollection services)
    {
        services.AddWebhookOptions();
        services.AddHttpClient<WebhookSender>((provider, client) =>
                client.Timeout = provider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(provider =>
                WebhookHttpHandler.Create(provider.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.AddSingleton<IChannelSender, WebhookChannelSender>();
        return services;
    }
}
