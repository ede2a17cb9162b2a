using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Client;

public static class HeraldClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HeraldClient"/> as a typed client of <c>IHttpClientFactory</c>, configured by
    /// <paramref name="configure"/> (BaseAddress required). The builder returned takes further handlers or settings.
    /// </summary>
    public static IHttpClientBuilder AddHeraldClient(this IServiceCollection services, Action<HeraldClientOptions> configure)
    {
        services.AddOptions<HeraldClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "HeraldClientOptions.BaseAddress must be an absolute URI.")
            .Validate(o => o.MaxRetries >= 0 && o.MaxTotalRetryDelay >= TimeSpan.Zero && o.BaseRetryDelay >= TimeSpan.Zero,
                "HeraldClientOptions retry settings must not be negative.")
            .ValidateOnStart();
        return services
            .AddHttpClient(nameof(HeraldClient), (sp, http) => http.BaseAddress = sp.GetRequiredService<IOptions<HeraldClientOptions>>().Value.BaseAddress)
            .AddTypedClient((http, sp) => new HeraldClient(http, sp.GetRequiredService<IOptions<HeraldClientOptions>>().Value,
                sp.GetService<TimeProvider>() ?? TimeProvider.System));
    }
}
