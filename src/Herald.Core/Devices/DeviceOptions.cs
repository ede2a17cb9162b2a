namespace Herald.Core.Devices;

/// <summary>Settings under <c>Herald:Devices</c>. Every default is the documented one.</summary>
internal sealed class DeviceOptions
{
    public const string SectionName = "Herald:Devices";

    /// <summary>
    /// A push token not registered again for this long is pruned. Apps register their token on start, so a token this
    /// old belongs to an app that was uninstalled or a phone no longer used; FCM itself treats a token inactive after
    /// 270 days. Default 270 days.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromDays(270);

    /// <summary>How often stale tokens are looked for. Default 1 h.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
}
