using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Transport.RabbitMq;

public static class RabbitMqServiceCollectionExtensions
{
    /// <summary>The RabbitMQ work transport (distributed mode), configured from <c>Herald:Transport:RabbitMq</c>.</summary>
    public static IServiceCollection AddRabbitMqTransport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RabbitMqOptions>()
            .Bind(configuration.GetSection(RabbitMqOptions.SectionName))
            .Validate(o => o.Uri is { IsAbsoluteUri: true } u && (u.Scheme == "amqp" || u.Scheme == "amqps"),
                "Herald:Transport:RabbitMq:Uri must be set to an amqp:// or amqps:// URI")
            .Validate(o => o.Partitions is > 0 and <= 256 && o.Prefetch > 0 && o.DeliveryLimit > 0,
                "Herald:Transport:RabbitMq: Partitions (1-256), Prefetch and DeliveryLimit must be positive")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ExchangePrefix), "Herald:Transport:RabbitMq:ExchangePrefix must not be empty")
            .Validate(o => o.ReconnectMin > TimeSpan.Zero && o.ReconnectMax >= o.ReconnectMin && o.PublishTimeout > TimeSpan.Zero && o.RequeueDelay >= TimeSpan.Zero,
                "Herald:Transport:RabbitMq: ReconnectMin must be positive and at most ReconnectMax; PublishTimeout must be positive")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IWorkTransport, RabbitMqWorkTransport>();
        return services;
    }
}
