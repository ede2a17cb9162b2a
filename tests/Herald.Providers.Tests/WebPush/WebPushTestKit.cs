using System.Buffers.Text;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.WebPush;

namespace Herald.Providers.Tests.WebPush;

/// <summary>Subscriptions at the sandbox, VAPID keys and adapters for the Web Push tests.</summary>
internal static class WebPushTestKit
{
    public const string Subject = "mailto:ops@herald.example";

    /// <summary>A fresh VAPID key pair, base64url as web-push tools print it.</summary>
    public static (string PublicKey, string PrivateKey) NewVapidKeys()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(true);
        return (Base64Url.EncodeToString([0x04, .. p.Q.X!, .. p.Q.Y!]), Base64Url.EncodeToString(p.D));
    }

    public static WebPushAdapter Adapter((string PublicKey, string PrivateKey) keys, string? baseUrl, TimeSpan? timeout = null, HttpClient? http = null,
        TimeProvider? time = null) =>
        new(TestContexts.Create("wp", "webpush", Channel.Push, new Dictionary<string, string?>
        {
            ["VapidPublicKey"] = keys.PublicKey,
            ["VapidPrivateKey"] = keys.PrivateKey,
            ["Subject"] = Subject,
            ["BaseUrl"] = baseUrl,
            ["Timeout"] = (timeout ?? TimeSpan.FromSeconds(5)).ToString(),
        }, http, time: time));

    /// <summary>Subscribes a browser at the sandbox and returns its PushSubscription JSON.</summary>
    public static async Task<JsonObject> SubscribeAsync(SandboxFixture sandbox, string? id = null, string? applicationServerKey = null)
    {
        var body = new JsonObject();
        if (id is not null)
        {
            body["id"] = id;
        }

        if (applicationServerKey is not null)
        {
            body["applicationServerKey"] = applicationServerKey;
        }

        using var response = await sandbox.Admin.PostAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/webpush/subscriptions", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>For the synchronous delivery builders of the contract (off the test's synchronization context).</summary>
    public static JsonObject Subscribe(SandboxFixture sandbox, string? id = null) => Task.Run(() => SubscribeAsync(sandbox, id)).GetAwaiter().GetResult();

    public static Delivery Delivery(JsonObject subscription, JsonObject? content = null, Priority priority = Priority.Normal) =>
        TestContexts.Delivery(Channel.Push, subscription.ToJsonString(),
            content ?? new JsonObject { ["title"] = "Your order shipped", ["body"] = "Order 42 is on its way", ["data"] = new JsonObject { ["order"] = "42" } },
            priority, platform: "web");
}
