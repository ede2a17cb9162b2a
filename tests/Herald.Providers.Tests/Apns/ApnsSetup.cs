using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Apns;
using Herald.Providers.Tests.Infrastructure;
using Herald.Sandbox.Vendors;

namespace Herald.Providers.Tests.Apns;

/// <summary>APNs adapters pointed at the sandbox's HTTP/2 listener with the sandbox's key, and push deliveries.</summary>
internal static class ApnsSetup
{
    public static JsonObject Credentials(SandboxFixture sandbox) => sandbox.Host.Vendors.OfType<ApnsVendor>().Single().Credentials();

    public static Dictionary<string, string?> Settings(SandboxFixture sandbox, string? baseUrl = null, TimeSpan? timeout = null)
    {
        var key = Credentials(sandbox);
        return new Dictionary<string, string?>
        {
            ["TeamId"] = key["team_id"]!.GetValue<string>(),
            ["KeyId"] = key["key_id"]!.GetValue<string>(),
            ["PrivateKey"] = key["private_key"]!.GetValue<string>(),
            ["BundleId"] = key["bundle_id"]!.GetValue<string>(),
            ["BaseUrl"] = baseUrl ?? sandbox.Http2BaseUrl,
            ["Timeout"] = (timeout ?? TimeSpan.FromSeconds(5)).ToString(),
        };
    }

    public static ApnsAdapter Adapter(SandboxFixture sandbox, string? baseUrl = null, TimeSpan? timeout = null, TimeProvider? time = null,
        Action<Dictionary<string, string?>>? change = null)
    {
        var settings = Settings(sandbox, baseUrl, timeout);
        change?.Invoke(settings);
        return new ApnsAdapter(TestContexts.Create("apns1", "apns", Channel.Push, settings, time: time));
    }

    /// <summary>A device token as iOS hands it out: 32 bytes as 64 hex characters.</summary>
    public static string NewToken(string prefix = "") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))[prefix.Length..];

    public static Delivery Delivery(string? token = null, JsonObject? content = null, Priority priority = Priority.Normal) =>
        TestContexts.Delivery(Channel.Push, token ?? NewToken(),
            content ?? new JsonObject { ["title"] = "Your order shipped", ["body"] = "It arrives Tuesday." }, priority, platform: "ios");
}
