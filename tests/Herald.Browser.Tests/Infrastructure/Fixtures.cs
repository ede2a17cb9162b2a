using Herald.Server.Tests.Infrastructure;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// Herald for the dashboard tests: webhook deliveries go dead after one quick retry (a dead letter in a second), and
/// named capture providers, two for SMS in failover order, so the providers page has rows to show and switch.
/// </summary>
public sealed class DashboardServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Webhooks:RetrySchedule"] = "100ms",
        ["Herald:Providers:sms-primary:Type"] = "capture",
        ["Herald:Providers:sms-backup:Type"] = "capture",
        ["Herald:Providers:email-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-primary,sms-backup",
        ["Herald:Channels:email:Providers"] = "email-capture",
    };
}

/// <summary>Herald whose feed streams end every two seconds: the inbox must reconnect, again and again, without losing or doubling an item.</summary>
public sealed class DroppingStreamServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Feed:StreamLifetime"] = "00:00:02",
    };
}

/// <summary>Herald past the legacy tokens' deprecation: only expiring tokens in the header, and stream tickets for SSE.</summary>
public sealed class NoLegacyServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:SubscriberTokens:AcceptLegacy"] = "false",
    };
}
