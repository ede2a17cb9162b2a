using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.Tracking;

namespace Herald.Providers.Tests.Tracking;

/// <summary>Only http(s) links become signed click links: the click endpoint can never redirect to another scheme.</summary>
public sealed class EmailTrackingLinksTests
{
    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData(" javascript:alert(1)")]
    [InlineData("JaVaScRiPt&#58;alert(1)")]
    [InlineData("data:text/html,x")]
    [InlineData("vbscript:x")]
    [InlineData("/relative")]
    public void Track_NonHttpLink_IsLeftAsWrittenAndNotSigned(string href)
    {
        var tracking = new EmailTracking(new TrackingTokens { Secret = new byte[32] }, "https://herald.example", new TrackingOptions { Opens = false });
        var html = $"<p><a href=\"{href}\">x</a></p>";

        var tracked = tracking.Track(TestContexts.Delivery(Channel.Email, "a@example.com", new JsonObject()), html);

        tracked.ShouldBe(html);
        tracked.ShouldNotContain("/t/c/");
    }
}
