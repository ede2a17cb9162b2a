namespace Herald.Core.Webhooks;

/// <summary>Webhook delivery settings, bound from the <c>Herald:Webhooks</c> configuration section.</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Herald:Webhooks";

    /// <summary>
    /// Allow endpoints that resolve to loopback, private, link-local or other non-public addresses.
    /// Default <c>false</c>: webhook URLs come from users, so this guards against SSRF. Enable for local development only.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Time allowed for one delivery attempt, connect included. Default 15 s (the spec recommends 15–30 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Comma-separated delays between attempts, e.g. <c>5s,5m,30m</c>. Default <c>5s,5m,30m,2h,5h,10h,10h</c>.</summary>
    public string RetrySchedule { get; set; } = "5s,5m,30m,2h,5h,10h,10h";

    /// <summary>Disable an endpoint that has failed continuously for this long. Default 5 days.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// How long a delivery for a disabled endpoint is held for it (status <c>held</c>) before it expires unsent. Default 14
    /// days: an endpoint disabled automatically after <see cref="DisableAfter"/> still has over a week to be fixed and enabled.
    /// </summary>
    public TimeSpan HoldFor { get; set; } = TimeSpan.FromDays(14);
}
