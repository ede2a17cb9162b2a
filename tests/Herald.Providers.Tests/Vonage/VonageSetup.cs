using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.Vonage;

namespace Herald.Providers.Tests.Vonage;

/// <summary>Vonage adapters and deliveries for tests, with the sandbox's default credentials.</summary>
public static class VonageSetup
{
    public const string ApiKey = "sandbox-key";
    public const string ApiSecret = "sandbox-secret";
    public const string From = "Herald";

    public static VonageAdapter Adapter(string baseUrl, TimeSpan? timeout = null, string publicBaseUrl = "http://127.0.0.1:1", HttpClient? http = null,
        IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["ApiKey"] = ApiKey, ["ApiSecret"] = ApiSecret, ["From"] = From, ["BaseUrl"] = baseUrl };
        if (timeout is { } t)
        {
            all["Timeout"] = t.ToString("c", CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new VonageAdapter(TestContexts.Create("sms-vonage", "vonage", Channel.Sms, all, http, publicBaseUrl));
    }

    public static Delivery Delivery(string to = "+447700900123", string? body = null) =>
        TestContexts.Delivery(Channel.Sms, to, new JsonObject { ["body"] = body ?? $"Your order shipped ({Guid.NewGuid():N})" });
}
