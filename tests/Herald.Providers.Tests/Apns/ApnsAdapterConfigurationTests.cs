using System.Security.Cryptography;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Apns;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Apns;

public sealed class ApnsAdapterConfigurationTests
{
    [Theory]
    [InlineData("TeamId")]
    [InlineData("KeyId")]
    [InlineData("BundleId")]
    public void Constructor_MissingSetting_NamesIt(string setting)
    {
        var settings = Valid();
        settings.Remove(setting);
        Should.Throw<ProviderConfigurationException>(() => Create(settings)).Message.ShouldContain($"Herald:Providers:apns1:{setting}");
    }

    [Fact]
    public void Constructor_NoKey_NamesBothKeySettings()
    {
        var settings = Valid();
        settings.Remove("PrivateKey");
        var ex = Should.Throw<ProviderConfigurationException>(() => Create(settings));
        ex.Message.ShouldContain("Herald:Providers:apns1:PrivateKey");
        ex.Message.ShouldContain("Herald:Providers:apns1:PrivateKeyFile");
    }

    [Theory]
    [InlineData("00:10:00")]
    [InlineData("01:30:00")]
    [InlineData("fifty minutes")]
    public void Constructor_TokenLifetimeOutside20To60Minutes_NamesIt(string lifetime)
    {
        var settings = Valid();
        settings["TokenLifetime"] = lifetime;
        Should.Throw<ProviderConfigurationException>(() => Create(settings)).Message.ShouldContain("Herald:Providers:apns1:TokenLifetime");
    }

    [Fact]
    public void Constructor_KeyNotP256_NamesIt()
    {
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        foreach (var pem in new[] { rsa.ExportPkcs8PrivateKeyPem(), p384.ExportPkcs8PrivateKeyPem(), "garbage" })
        {
            var settings = Valid();
            settings["PrivateKey"] = pem;
            Should.Throw<ProviderConfigurationException>(() => Create(settings)).Message.ShouldContain("Herald:Providers:apns1:PrivateKey");
        }
    }

    [Fact]
    public void Constructor_KeyFromFileOrBareBase64_IsAccepted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(Path.GetTempPath(), $"AuthKey_{Guid.NewGuid():N}.p8");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        try
        {
            var fromFile = Valid();
            fromFile.Remove("PrivateKey");
            fromFile["PrivateKeyFile"] = path;
            Should.NotThrow(() => Create(fromFile));
        }
        finally
        {
            File.Delete(path);
        }

        var bare = Valid();
        bare["PrivateKey"] = Convert.ToBase64String(key.ExportPkcs8PrivateKey());
        Should.NotThrow(() => Create(bare));
    }

    [Fact]
    public void Constructor_UnreadableKeyFile_NamesIt()
    {
        var settings = Valid();
        settings.Remove("PrivateKey");
        settings["PrivateKeyFile"] = "/nonexistent/AuthKey.p8";
        Should.Throw<ProviderConfigurationException>(() => Create(settings)).Message.ShouldContain("Herald:Providers:apns1:PrivateKeyFile");
    }

    private static Dictionary<string, string?> Valid()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new()
        {
            ["TeamId"] = "ABCDE12345",
            ["KeyId"] = "KEY1234567",
            ["PrivateKey"] = key.ExportPkcs8PrivateKeyPem(),
            ["BundleId"] = "com.example.app",
        };
    }

    private static ApnsAdapter Create(Dictionary<string, string?> settings) => new(TestContexts.Create("apns1", "apns", Channel.Push, settings));
}
