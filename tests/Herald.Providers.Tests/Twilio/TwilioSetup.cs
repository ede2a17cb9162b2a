using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.Twilio;

namespace Herald.Providers.Tests.Twilio;

/// <summary>Twilio adapters and deliveries for tests, with the sandbox's default account.</summary>
public static class TwilioSetup
{
    public const string AccountSid = "AC00000000000000000000000000000000";
    public const string AuthToken = "sandbox-auth-token";
    public const string From = "+15005550006";

    public static TwilioAdapter Adapter(string baseUrl, TimeSpan? timeout = null, string publicBaseUrl = "http://127.0.0.1:1", HttpClient? http = null,
        IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["AccountSid"] = AccountSid,
            ["AuthToken"] = AuthToken,
            ["From"] = From,
            ["BaseUrl"] = baseUrl,
        };
        if (timeout is { } t)
        {
            all["Timeout"] = t.ToString("c", CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new TwilioAdapter(TestContexts.Create("sms-twilio", "twilio", Channel.Sms, all, http, publicBaseUrl));
    }

    public static Delivery Delivery(string to = "+15551234567", string? body = null) =>
        TestContexts.Delivery(Channel.Sms, to, new JsonObject { ["body"] = body ?? $"Your order shipped ({Guid.NewGuid():N})" });
}
