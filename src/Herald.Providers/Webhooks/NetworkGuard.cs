using System.Net;
using System.Net.Sockets;

namespace Herald.Providers.Webhooks;

/// <summary>Decides whether an address is publicly routable, so user-supplied webhook URLs cannot reach internal services (SSRF).</summary>
public static class NetworkGuard
{
    // IANA special-purpose IPv4 ranges that are not public destinations.
    private static readonly IPNetwork[] NonPublicV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", includes unspecified
        IPNetwork.Parse("10.0.0.0/8"),       // RFC 1918
        IPNetwork.Parse("100.64.0.0/10"),    // CGNAT shared space
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata endpoints live here
        IPNetwork.Parse("172.16.0.0/12"),    // RFC 1918
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // TEST-NET-1
        IPNetwork.Parse("192.88.99.0/24"),   // deprecated 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),   // RFC 1918
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // TEST-NET-2
        IPNetwork.Parse("203.0.113.0/24"),   // TEST-NET-3
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, includes broadcast 255.255.255.255
    ];

    // Only global unicast is public; this excludes loopback, unspecified, link-local, unique-local, multicast at once.
    private static readonly IPNetwork GlobalUnicastV6 = IPNetwork.Parse("2000::/3");

    private static readonly IPNetwork Nat64V6 = IPNetwork.Parse("64:ff9b::/96");

    private static readonly IPNetwork[] NonPublicGlobalV6 =
    [
        IPNetwork.Parse("2001::/23"),        // IETF protocol assignments, includes Teredo
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("2002::/16"),        // 6to4, embeds arbitrary IPv4 addresses
        IPNetwork.Parse("3fff::/20"),        // documentation (RFC 9637)
    ];

    /// <summary>True when <paramref name="address"/> is a publicly routable unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => !NonPublicV4.Any(network => network.Contains(address)),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    /// <summary>
    /// True when <paramref name="url"/> names a non-public destination by itself, without a DNS look-up: an IP literal
    /// outside the public ranges (in any encoding the URL parser accepts: <c>2130706433</c>, <c>0x7f000001</c>,
    /// <c>0177.0.0.1</c>, <c>127.1</c>, <c>[::ffff:127.0.0.1]</c> all parse to loopback) or <c>localhost</c> and its
    /// subdomains (RFC 6761). Names that resolve to private addresses are refused when connecting (<see cref="WebhookHttpHandler"/>).
    /// </summary>
    public static bool NamesNonPublicHost(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return !IPAddress.TryParse(url.DnsSafeHost, out var address) || !IsPublic(address);
        }

        var host = url.DnsSafeHost.TrimEnd('.');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPublicV6(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        if (Nat64V6.Contains(address))
        {
            return IsPublic(new IPAddress(address.GetAddressBytes().AsSpan(12)));
        }

        return GlobalUnicastV6.Contains(address) && !NonPublicGlobalV6.Any(network => network.Contains(address));
    }
}
