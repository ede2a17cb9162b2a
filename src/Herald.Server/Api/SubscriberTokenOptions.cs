namespace Herald.Server.Api;

/// <summary>Settings under <c>Herald:SubscriberTokens</c>: the lifetimes of subscriber tokens and stream tickets, and the legacy tokens' deprecation.</summary>
public sealed class SubscriberTokenOptions
{
    public const string SectionName = "Herald:SubscriberTokens";

    /// <summary>
    /// Whether hex HMAC tokens of earlier releases (no expiry) and any token in <c>?token=</c> are still accepted. Default
    /// true during the deprecation period (each use is logged at most once a minute and counted); set false as soon as
    /// every client mints expiring tokens and the inbox uses stream tickets.
    /// </summary>
    public bool AcceptLegacy { get; set; } = true;

    /// <summary>Lifetime of a token minted through the API without <c>ttl_seconds</c>. Default 1 h.</summary>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Longest lifetime of any token: the API's bound for <c>ttl_seconds</c>, and how far ahead a token minted elsewhere may expire. Default 24 h.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Tolerance for the clock of the backend that minted a token (<c>exp</c>, <c>nbf</c>). Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stream ticket opens the feed stream. Default 60 s.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The shortest <c>ttl_seconds</c> the API mints.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(1);

    internal bool IsValid() =>
        MaxLifetime >= MinLifetime && MaxLifetime <= TimeSpan.FromDays(30) && DefaultLifetime >= MinLifetime && DefaultLifetime <= MaxLifetime
        && ClockSkew >= TimeSpan.Zero && ClockSkew <= TimeSpan.FromMinutes(5) && TicketLifetime >= TimeSpan.FromSeconds(5) && TicketLifetime <= TimeSpan.FromMinutes(5);
}
