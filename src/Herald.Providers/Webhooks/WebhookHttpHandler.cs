using System.Net;
using System.Net.Sockets;
using Herald.Core.Webhooks;

namespace Herald.Providers.Webhooks;

/// <summary>Builds the primary handler for webhook calls: no redirects, no cookies, no proxy, and a connect-time address guard.</summary>
public static class WebhookHttpHandler
{
    /// <summary>
    /// A handler whose connect callback resolves the host once, refuses non-public addresses unless
    /// <see cref="WebhookOptions.AllowPrivateNetworks"/> is set, and connects to exactly the checked addresses,
    /// so DNS rebinding between check and connect is impossible.
    /// </summary>
    public static SocketsHttpHandler Create(WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool allowPrivateNetworks = options.AllowPrivateNetworks;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            // Through a proxy the guard would check the proxy's address, not the endpoint's.
            UseProxy = false,
            ConnectTimeout = options.Timeout,
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowPrivateNetworks, ct),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateNetworks, CancellationToken ct)
    {
        IPAddress[] addresses = await Dns.GetHostAddressesAsync(endPoint.Host, ct);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        if (!allowPrivateNetworks)
        {
            // Every address must pass: the socket may fall back to any of them.
            if (Array.Exists(addresses, address => !NetworkGuard.IsPublic(address)))
            {
                throw new NonPublicAddressException(endPoint.Host);
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
