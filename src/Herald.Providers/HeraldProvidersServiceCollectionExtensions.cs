using Herald.Core.Channels;
using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Providers.Abstractions;
using Herald.Providers.Routing;
using Herald.Providers.Tracking;
using Herald.Providers.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Providers;

public static class HeraldProvidersServiceCollectionExtensions
{
    /// <summary>
    /// The webhook channel's HTTP sender, and real providers: every <c>Herald:Providers:&lt;name&gt;</c> instance, a router for every channel with
    /// <c>Herald:Channels:&lt;channel&gt;:Providers</c> (replacing the capture provider there), email tracking links.
    /// Call after AddHeraldPipeline.
    /// </summary>
    public static IServiceCollection AddHeraldProviders(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TrackingTokens>();
        services.AddWebhookSender();
        services.AddSingleton<IEmailTracking>(sp => new EmailTracking(sp.GetRequiredService<TrackingTokens>(), PublicBaseUrl(configuration),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TrackingOptions>>().Value));
        foreach (var provider in configuration.GetSection("Herald:Providers").GetChildren())
        {
            // One connection pool per provider instance: no redirects (a vendor never redirects an API call), no proxy
            // surprises, and several HTTP/2 connections when one is full (APNs).
            // Web Push endpoints come from end users' browsers: without a BaseUrl pin they get the webhook channel's
            // connect-time guard, so a subscription cannot point Herald at an internal address.
            var guarded = provider["Type"] == "webpush" && string.IsNullOrEmpty(provider["BaseUrl"]);
            services.AddHttpClient(ClientName(provider.Key)).ConfigurePrimaryHttpMessageHandler(() =>
            {
                var handler = guarded
                    ? WebhookHttpHandler.Create(new WebhookOptions { Timeout = TimeSpan.FromSeconds(5) })
                    : new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) };
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
                handler.EnableMultipleHttp2Connections = true;
                return handler;
            });
        }

        services.AddSingleton(sp => ProviderRegistry.Build(configuration,
            name => sp.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(name)),
            sp.GetRequiredService<IEmailTracking>(), sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IProviderBucketStore>(), sp.GetService<HeraldMetrics>()));
        foreach (var channel in ProviderRegistry.ConfiguredChannels(configuration))
        {
            services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<ProviderRegistry>().Routers[channel]);
        }

        return services;
    }

    public static string PublicBaseUrl(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration["Herald:PublicBaseUrl"] is { Length: > 0 } b ? b : "http://localhost:8080").TrimEnd('/');
    }

    private static string ClientName(string provider) => "herald-provider-" + provider;
}
