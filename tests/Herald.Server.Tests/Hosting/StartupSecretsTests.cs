using Herald.Testing;

namespace Herald.Server.Tests.Hosting;

/// <summary>An empty or short secret stops the real server at start, with a message naming the setting.</summary>
public sealed class StartupSecretsTests : IDisposable
{
    private const string GoodKey = "secrets-test-key-0123456789abcdef0123";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-secrets", Guid.NewGuid().ToString("N"));

    public static TheoryData<string, string, string, string> BadSecrets => new()
    {
        { "Herald__Security__SubscriberSecret", "", "Herald:Security:SubscriberSecret", "empty" },
        { "Herald__Security__SubscriberSecret", "short-subscriber-secret", "Herald:Security:SubscriberSecret", "shorter than 32" },
        { "Herald__Security__TrackingSecret", " ", "Herald:Security:TrackingSecret", "empty" },
        { "Herald__Security__TrackingSecret", "0123456789abcdef0123456789abcde", "Herald:Security:TrackingSecret", "shorter than 32" },
        { "HERALD_BOOTSTRAP_API_KEY", "my-admin-key", "HERALD_BOOTSTRAP_API_KEY", "shorter than 32" },
        { "HERALD_BOOTSTRAP_API_KEY", "", "HERALD_BOOTSTRAP_API_KEY", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadSecrets))]
    public async Task Start_BadSecret_FailsNamingTheSetting(string variable, string value, string setting, string why)
    {
        Directory.CreateDirectory(_directory);
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), GoodKey, new Dictionary<string, string> { [variable] = value });

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => herald.StartAsync(TimeSpan.FromSeconds(60)));

        failure.Message.ShouldContain("exited");
        failure.Message.ShouldContain($"{setting} is {why}");
        File.Exists(Path.Combine(_directory, "herald.db")).ShouldBeFalse("nothing is stored before the secrets are checked");
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
