using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Fcm;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Fcm;

public sealed class FcmAdapterConfigurationTests
{
    [Fact]
    public void Constructor_NoServiceAccount_NamesBothSettings()
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => Create(new()));
        ex.Message.ShouldContain("Herald:Providers:fcm1:ServiceAccountJson");
        ex.Message.ShouldContain("Herald:Providers:fcm1:ServiceAccountFile");
    }

    [Fact]
    public void Constructor_KeyWithoutProjectIdAndNoSetting_NamesProjectId()
    {
        var key = Key();
        key.Remove("project_id");
        Should.Throw<ProviderConfigurationException>(() => Create(new() { ["ServiceAccountJson"] = key.ToJsonString() }))
            .Message.ShouldContain("Herald:Providers:fcm1:ProjectId");
        Should.NotThrow(() => Create(new() { ["ServiceAccountJson"] = key.ToJsonString(), ["ProjectId"] = "p1" }));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"type\":\"authorized_user\",\"client_email\":\"a@b\",\"private_key\":\"x\"}")]
    [InlineData("{\"type\":\"service_account\",\"private_key\":\"x\",\"project_id\":\"p\"}")]
    public void Constructor_NotAServiceAccountKey_NamesTheSetting(string json) =>
        Should.Throw<ProviderConfigurationException>(() => Create(new() { ["ServiceAccountJson"] = json }))
            .Message.ShouldContain("Herald:Providers:fcm1:ServiceAccountJson");

    [Fact]
    public void Constructor_PrivateKeyNotRsaPem_NamesTheSetting()
    {
        var key = Key();
        key["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        Should.Throw<ProviderConfigurationException>(() => Create(new() { ["ServiceAccountJson"] = key.ToJsonString() }))
            .Message.ShouldContain("private_key");
    }

    [Fact]
    public void Constructor_UnreadableServiceAccountFile_NamesTheSetting() =>
        Should.Throw<ProviderConfigurationException>(() => Create(new() { ["ServiceAccountFile"] = "/nonexistent/key.json" }))
            .Message.ShouldContain("Herald:Providers:fcm1:ServiceAccountFile");

    [Fact]
    public void Constructor_BaseUrlNotHttp_NamesTheSetting() =>
        Should.Throw<ProviderConfigurationException>(() => Create(new() { ["ServiceAccountJson"] = Key().ToJsonString(), ["BaseUrl"] = "ftp://x" }))
            .Message.ShouldContain("Herald:Providers:fcm1:BaseUrl");

    internal static JsonObject Key()
    {
        using var rsa = RSA.Create(2048);
        return new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "p",
            ["private_key_id"] = "k1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "sender@p.iam.gserviceaccount.com",
            ["token_uri"] = "http://127.0.0.1:1/token",
        };
    }

    private static FcmAdapter Create(Dictionary<string, string?> settings) => new(TestContexts.Create("fcm1", "fcm", Channel.Push, settings));
}
