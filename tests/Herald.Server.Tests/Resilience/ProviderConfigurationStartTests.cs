using Herald.Testing;
namespace Herald.Server.Tests.Resilience;

/// <summary>A provider without its credentials stops the real server at start, with a message naming the setting.</summary>
public sealed class ProviderConfigurationStartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-provider-config", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Missing_provider_credentials_fail_start_naming_the_setting()
    {
        Directory.CreateDirectory(_directory);
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), "config-test-key-0123456789abcdef0123", new Dictionary<string, string>
        {
            ["Herald__Providers__sms1__Type"] = "twilio",
            ["Herald__Providers__sms1__From"] = "+15550006000",
            ["Herald__Channels__sms__Providers"] = "sms1",
        });

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => herald.StartAsync(TimeSpan.FromSeconds(60)));

        failure.Message.ShouldContain("exited");
        failure.Message.ShouldContain("Herald:Providers:sms1:AccountSid");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }
}
