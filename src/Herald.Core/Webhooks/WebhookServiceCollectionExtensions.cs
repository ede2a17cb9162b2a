using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Core.Webhooks;

/// <summary>Registers webhook delivery: options from <c>Herald:Webhooks</c> and a guarded typed client for <see cref="WebhookSender"/>.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Adds <see cref="WebhookOptions"/> (validated at start) and <see cref="WebhookSender"/> as a typed HTTP client.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .Validate(options => options.Timeout > TimeSpan.Zero, "Herald:Webhooks:Timeout must be positive.")
            .Validate(options => options.DisableAfter > TimeSpan.Zero, "Herald:Webhooks:DisableAfter must be positive.")
            .Validate(options => options.HoldFor > TimeSpan.Zero, "Herald:Webhooks:HoldFor must be positive.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.RetrySchedule), "Herald:Webhooks:RetrySchedule must not be empty.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<WebhookSender>((provider, client) =>
                client.Timeout = provider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(provider =>
                WebhookHttpHandler.Create(provider.GetRequiredService<IOptions<WebhookOptions>>().Value));
        return services;
    }
}
