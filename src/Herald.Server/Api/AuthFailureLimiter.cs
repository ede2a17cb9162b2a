using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Herald.Core.Observability;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>Settings under <c>Herald:Security</c> that are not secrets.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Herald:Security";

    /// <summary>Failed authentications (unknown API key, wrong subscriber token) one client address may make per minute before 429. Default 30.</summary>
    public int AuthFailuresPerMinute { get; set; } = 30;
}

/// <summary>
/// Failed authentications per client address, in a fixed one-minute window (System.Threading.RateLimiting, the limiter
/// ASP.NET Core's rate-limiting middleware is built on). Only failures take permits, so good traffic is never limited;
/// once an address has used its permits, a key that is not already known in memory is refused with 429 before the
/// store is read, so wrong keys cannot be turned into database load.
/// </summary>
/// <remarks>
/// The middleware itself is not used because it takes a permit per request, before the outcome is known. IPv6 clients
/// are grouped by their /64, the block one subscriber usually holds. The address is the TCP peer: behind a reverse proxy
/// every client shares the proxy's address unless the host is configured to trust forwarded headers.
/// </remarks>
internal sealed class AuthFailureLimiter : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly Counter<long> _counter;

    public AuthFailureLimiter(IOptions<SecurityOptions> options, HeraldMetrics metrics)
    {
        var limit = options.Value.AuthFailuresPerMinute;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = Window, QueueLimit = 0, AutoReplenishment = true }));
        _counter = metrics.Meter.CreateCounter<long>("herald.auth.failures",
            description: "Failed authentications by reason (invalid_key: an unknown API key, read from the store; invalid_token: a wrong subscriber token; throttled: refused with 429 without a store read).");
    }

    public static string AddressOf(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null)
        {
            return "unknown";
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4().ToString();
        }

        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = ip.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return ip.ToString();
    }

    /// <summary>How long <paramref name="address"/> must wait before it may fail again, or null when it may try now.</summary>
    public TimeSpan? Blocked(string address)
    {
        // Asking for 0 permits takes nothing: it only says whether any are left.
        using var lease = _failures.AttemptAcquire(address, 0);
        if (lease.IsAcquired)
        {
            return null;
        }

        _counter.Add(1, new KeyValuePair<string, object?>("reason", "throttled"));
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window;
    }

    /// <summary>Records one failure of <paramref name="address"/>; <paramref name="reason"/> is invalid_key or invalid_token.</summary>
    public void Fail(string address, string reason)
    {
        using var lease = _failures.AttemptAcquire(address, 1);
        _counter.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void Dispose() => _failures.Dispose();
}
