using System.Net;
using System.Threading.RateLimiting;
using Herald.Providers.Tracking;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>
/// How often an open or click may be recorded: per link (one delivery's pixel or one click link) and per client address,
/// each in a one-minute window. Past either limit a hit is still answered (the pixel served, the click redirected) but
/// nothing is read or written: a recipient never sees an error, and a flood of hits costs the store nothing.
/// </summary>
/// <remarks>
/// The client address is the connection's (behind a reverse proxy, the forwarded address once the host is configured to
/// trust it). Mail providers fetch images through proxies (Gmail's among them), so many recipients can share one address:
/// the per-address limit is high by default.
/// </remarks>
internal sealed class TrackingLimits : IDisposable
{
    private readonly PartitionedRateLimiter<(string Link, string Address)> _limiter;

    public TrackingLimits(IOptions<TrackingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        var perLink = PartitionedRateLimiter.Create<(string Link, string Address), string>(k => Window(k.Link, o.RecordsPerLinkPerMinute));
        var perAddress = PartitionedRateLimiter.Create<(string Link, string Address), string>(k => Window(k.Address, o.RecordsPerAddressPerMinute));
        _limiter = PartitionedRateLimiter.CreateChained(perLink, perAddress);
    }

    /// <summary>Whether a hit on <paramref name="link"/> from <paramref name="address"/> may be recorded now.</summary>
    public bool TryRecord(string link, IPAddress? address)
    {
        using var lease = _limiter.AttemptAcquire((link, address?.ToString() ?? "unknown"));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    private static RateLimitPartition<string> Window(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        });
}
