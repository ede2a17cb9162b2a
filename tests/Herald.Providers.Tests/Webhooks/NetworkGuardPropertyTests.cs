using System.Globalization;
using System.Net;
using CsCheck;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

/// <summary>
/// The URL check against the address check, over random IPv4 addresses (a third from the non-public ranges) written in
/// every form a URL parser takes: dotted, one decimal integer, hex, octal, shortened (<c>127.1</c>) and IPv4-mapped IPv6.
/// Whatever the spelling, a URL names a non-public host exactly when its address is not public.
/// </summary>
public sealed class NetworkGuardPropertyTests
{
    private static readonly Gen<uint> Address = Gen.OneOf(
        Gen.UInt,
        Gen.UInt[0x7F000000u, 0x7FFFFFFFu],   // 127.0.0.0/8
        Gen.UInt[0xA9FE0000u, 0xA9FEFFFFu],   // 169.254.0.0/16
        Gen.UInt[0x0A000000u, 0x0AFFFFFFu],   // 10.0.0.0/8
        Gen.UInt[0x00000000u, 0x00FFFFFFu]);  // 0.0.0.0/8

    [Fact]
    public void NamesNonPublicHost_RandomAddressInEveryEncoding_AgreesWithIsPublic() =>
        Address.Sample(n =>
        {
            var address = new IPAddress([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
            var nonPublic = !NetworkGuard.IsPublic(address);
            foreach (var host in Spellings(n, address))
            {
                NetworkGuard.NamesNonPublicHost(new Uri($"http://{host}/hook")).ShouldBe(nonPublic, $"{host} ({address})");
            }
        }, iter: 2_000);

    private static IEnumerable<string> Spellings(uint n, IPAddress address)
    {
        var b = address.GetAddressBytes();
        yield return address.ToString();
        yield return n.ToString(CultureInfo.InvariantCulture);
        yield return "0x" + n.ToString("x8", CultureInfo.InvariantCulture);
        yield return "0" + Convert.ToString(n, 8);
        yield return string.Join('.', b.Select(x => "0" + Convert.ToString(x, 8)));
        yield return $"{b[0]}.{(n & 0xFFFFFF).ToString(CultureInfo.InvariantCulture)}";
        yield return $"[::ffff:{address}]";
    }
}
