using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Pipeline;

public sealed class PipelineOptionsTests
{
    [Fact]
    public void AddHeraldPipeline_NoConfiguration_LooksUpSixTimesFrom15Seconds()
    {
        var options = Provider([]).GetRequiredService<IOptions<PipelineOptions>>().Value;

        options.MaxLookUps.ShouldBe(6);
        options.LookUpRetryDelay.ShouldBe(TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("Herald:Pipeline:MaxLookUps", "0")]
    [InlineData("Herald:Pipeline:LookUpRetryDelay", "00:00:00")]
    public void AddHeraldPipeline_NoLookUpsOrNoDelay_FailsValidation(string key, string value)
    {
        var provider = Provider(new() { [key] = value });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PipelineOptions>>().Value);

        error.Message.ShouldContain("MaxLookUps and LookUpRetryDelay must be positive");
    }

    [Fact]
    public void Fallback_Defaults_UrgentPushSmsEmailEach30SecondsOthersNone()
    {
        var options = Provider([]).GetRequiredService<IOptions<PipelineOptions>>().Value;

        var urgent = options.Fallback(Priority.Urgent, null).ShouldNotBeNull();
        urgent.Chain.ShouldBe([Channel.Push, Channel.Sms, Channel.Email]);
        urgent.After.Values.ShouldAllBe(a => a == TimeSpan.FromSeconds(30));
        urgent.Following(Channel.Push).ShouldBe([Channel.Sms, Channel.Email]);
        urgent.Following(Channel.InApp).ShouldBeEmpty();
        options.Fallback(Priority.Normal, null).ShouldBeNull();
    }

    [Fact]
    public void Fallback_ChannelDeadlineAndTemplate_ChannelWinsTemplateReplaces()
    {
        var options = Provider(new() { ["Herald:Pipeline:FallbackAfter:urgent.sms"] = "00:02:00" }).GetRequiredService<IOptions<PipelineOptions>>().Value;

        options.Fallback(Priority.Urgent, null)!.After[Channel.Sms].ShouldBe(TimeSpan.FromMinutes(2));
        options.Fallback(Priority.Urgent, null)!.After[Channel.Push].ShouldBe(TimeSpan.FromSeconds(30));
        var template = new Herald.Core.Templates.TemplateFallback([Channel.InApp, Channel.Email], new Dictionary<Channel, TimeSpan>());
        var own = options.Fallback(Priority.Low, template).ShouldNotBeNull();
        own.Chain.ShouldBe([Channel.InApp, Channel.Email]);
        own.After.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Herald:Pipeline:FallbackAfter:soon", "00:00:30")]
    [InlineData("Herald:Pipeline:FallbackAfter:urgent.fax", "00:00:30")]
    [InlineData("Herald:Pipeline:FallbackAfter:urgent.webhook", "00:00:30")]
    [InlineData("Herald:Pipeline:FallbackAfter:urgent", "-00:00:01")]
    [InlineData("Herald:Pipeline:FallbackAfter:urgent", "2.00:00:00")]
    public void AddHeraldPipeline_BadFallbackAfter_FailsValidation(string key, string value)
    {
        var provider = Provider(new() { [key] = value });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PipelineOptions>>().Value);

        error.Message.ShouldContain("FallbackAfter");
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddHeraldPipeline(runWorkers: false);
        return services.BuildServiceProvider();
    }
}
