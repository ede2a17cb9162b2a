using Herald.Sandbox.Core;

namespace Herald.Server.Tests.Providers;

/// <summary>Settings of a Twilio provider pointed at the sandbox's Twilio account, and the SMS channel routed to it alone.</summary>
public static class TwilioSandbox
{
    /// <summary>The provider <c>sms1</c> and the SMS channel; <paramref name="extra"/> (keys below <c>Herald:</c>) added or overriding.</summary>
    public static Dictionary<string, string?> Settings(SandboxHost sandbox, params (string Key, string Value)[] extra)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Herald:Providers:sms1:Type"] = "twilio",
            ["Herald:Providers:sms1:BaseUrl"] = sandbox.BaseUrl,
            ["Herald:Providers:sms1:AccountSid"] = "AC00000000000000000000000000000000",
            ["Herald:Providers:sms1:AuthToken"] = "sandbox-auth-token",
            ["Herald:Providers:sms1:From"] = "+15550006000",
            ["Herald:Channels:sms:Providers"] = "sms1",
        };
        foreach (var (key, value) in extra)
        {
            settings["Herald:" + key] = value;
        }

        return settings;
    }
}
