using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Core.Webhooks;

/// <summary>Registers the webhook settings the pipeline reads (retry schedule, disabling, holding); the HTTP sender is in Herald.Providers.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Adds <see cref="WebhookOptions"/> from <c>Herald:Webhooks</c>, validated at start.</summary>
    public static IServiceCollection AddWebhookOptions(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .Validate(options => options.Timeout > TimeSpan.Zero, "Herald:Webhooks:Timeout must be positive.")
            .Validate(options => options.DisableAfter > TimeSpan.Zero, "Herald:Webhooks:DisableAfter must be positive.")
            .Validate(options => options.HoldFor > TimeSpan.Zero, "Herald:Webhooks:HoldFor must be positive.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.RetrySchedule), "Herald:Webhooks:RetrySchedule must not be empty.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
