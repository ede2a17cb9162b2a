using System.Net;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

public sealed class NetworkGuardTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("10.0.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.10")]
    [InlineData("192.168.1.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.251")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::10.0.0.1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("ff0e::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001::1")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("3fff::1")]
    public void IsPublic_NonPublicAddress_ReturnsFalse(string address)
    {
        NetworkGuard.IsPublic(IPAddress.Parse(address)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("93.184.215.14")]
    [InlineData("223.255.255.254")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:82a::200e")]
    public void IsPublic_PublicAddress_ReturnsTrue(string address)
    {
        NetworkGuard.IsPublic(IPAddress.Parse(address)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://017700000001/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://0/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[fe80::1%25eth0]/")]
    [InlineData("http://localhost/")]
    [InlineData("http://LocalHost./")]
    [InlineData("http://api.localhost:8080/")]
    public void NamesNonPublicHost_PrivateLiteralInAnyEncodingOrLocalhost_True(string url) =>
        NetworkGuard.NamesNonPublicHost(new Uri(url)).ShouldBeTrue();

    [Theory]
    [InlineData("https://example.com/hook")]
    [InlineData("https://93.184.215.14/hook")]
    [InlineData("https://[2606:4700::1111]/hook")]
    [InlineData("https://localhost.example.com/hook")]
    [InlineData("https://10.example.com/hook")]
    public void NamesNonPublicHost_PublicLiteralOrOtherName_False(string url) =>
        NetworkGuard.NamesNonPublicHost(new Uri(url)).ShouldBeFalse();
}
