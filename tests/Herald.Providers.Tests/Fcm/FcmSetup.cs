using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Fcm;
using Herald.Providers.Tests.Infrastructure;
using Herald.Sandbox.Vendors;

namespace Herald.Providers.Tests.Fcm;

/// <summary>FCM adapters pointed at a sandbox, with the sandbox's service account key, and push deliveries.</summary>
internal static class FcmSetup
{
    public static FcmVendor Vendor(SandboxFixture sandbox) => sandbox.Host.Vendors.OfType<FcmVendor>().Single();

    /// <summary>The sandbox's key with token_uri at the sandbox, optionally changed.</summary>
    public static JsonObject ServiceAccount(SandboxFixture sandbox, Action<JsonObject>? change = null)
    {
        var key = Vendor(sandbox).ServiceAccount($"{sandbox.BaseUrl}/token");
        change?.Invoke(key);
        return key;
    }

    public static FcmAdapter Adapter(SandboxFixture sandbox, string? baseUrl = null, TimeSpan? timeout = null, JsonObject? serviceAccount = null,
        IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ServiceAccountJson"] = (serviceAccount ?? ServiceAccount(sandbox)).ToJsonString(),
            ["BaseUrl"] = baseUrl ?? sandbox.BaseUrl,
            ["Timeout"] = (timeout ?? TimeSpan.FromSeconds(5)).ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new FcmAdapter(TestContexts.Create("fcm1", "fcm", Channel.Push, all));
    }

    public static Delivery Delivery(string? token = null, JsonObject? content = null, Priority priority = Priority.Normal) =>
        TestContexts.Delivery(Channel.Push, token ?? "fcm-token-" + Guid.NewGuid().ToString("N"),
            content ?? new JsonObject { ["title"] = "Your order shipped", ["body"] = "It arrives Tuesday." }, priority, platform: "android");
}
