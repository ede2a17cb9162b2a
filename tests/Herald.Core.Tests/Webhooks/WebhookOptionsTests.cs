using Herald.Core.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Webhooks;

public sealed class WebhookOptionsTests
{
    [Fact]
    public void AddWebhookOptions_NoConfiguration_UsesDocumentedDefaults()
    {
        WebhookOptions options = Provider([]).GetRequiredService<IOptions<WebhookOptions>>().Value;

        options.AllowPrivateNetworks.ShouldBeFalse();
        options.Timeout.ShouldBe(TimeSpan.FromSeconds(15));
        options.RetrySchedule.ShouldBe("5s,5m,30m,2h,5h,10h,10h");
        options.DisableAfter.ShouldBe(TimeSpan.FromDays(5));
    }

    [Fact]
    public void AddWebhookOptions_HeraldWebhooksSection_BindsValues()
    {
        WebhookOptions options = Provider(new()
        {
            ["Herald:Webhooks:AllowPrivateNetworks"] = "true",
            ["Herald:Webhooks:Timeout"] = "00:00:20",
            ["Herald:Webhooks:RetrySchedule"] = "1s,1m",
            ["Herald:Webhooks:DisableAfter"] = "2.00:00:00",
        }).GetRequiredService<IOptions<WebhookOptions>>().Value;

        options.AllowPrivateNetworks.ShouldBeTrue();
        options.Timeout.ShouldBe(TimeSpan.FromSeconds(20));
        options.RetrySchedule.ShouldBe("1s,1m");
        options.DisableAfter.ShouldBe(TimeSpan.FromDays(2));
    }

    [Fact]
    public void AddWebhookOptions_ZeroTimeout_FailsValidation()
    {
        IServiceProvider provider = Provider(new() { ["Herald:Webhooks:Timeout"] = "00:00:00" });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WebhookOptions>>().Value);

        error.Message.ShouldContain("Timeout must be positive");
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddWebhookOptions();
        return services.BuildServiceProvider();
    }
}
