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

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddHeraldPipeline(runWorkers: false);
        return services.BuildServiceProvider();
    }
}
