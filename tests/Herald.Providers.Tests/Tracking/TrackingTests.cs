using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.Tracking;

namespace Herald.Providers.Tests.Tracking;

public sealed class TrackingTests
{
    private static TrackingTokens Tokens(string secret = "s3cret") => new() { Secret = System.Text.Encoding.UTF8.GetBytes(secret) };

    [Fact]
    public void Click_token_opens_to_the_signed_link_only()
    {
        var tokens = Tokens();
        var token = tokens.Create(TrackingLink.Click, "dlv_1", "https://shop.example/orders/42?x=1");

        tokens.TryOpen(token, TrackingLink.Click, out var id, out var url).ShouldBeTrue();
        id.ShouldBe("dlv_1");
        url.ShouldBe("https://shop.example/orders/42?x=1");
        tokens.TryOpen(token, TrackingLink.Open, out _, out _).ShouldBeFalse();
        Tokens("other").TryOpen(token, TrackingLink.Click, out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Forged_link_with_a_copied_signature_does_not_open()
    {
        var tokens = Tokens();
        var token = tokens.Create(TrackingLink.Click, "dlv_1", "https://shop.example/");
        var mac = token.Split('.')[1];
        var forged = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes("c|dlv_1|https://evil.example/")) + "." + mac;

        tokens.TryOpen(forged, TrackingLink.Click, out _, out _).ShouldBeFalse();
        tokens.TryOpen("garbage", TrackingLink.Click, out _, out _).ShouldBeFalse();
        tokens.TryOpen("a.b.c", TrackingLink.Click, out _, out _).ShouldBeFalse();
        tokens.TryOpen("!!!.???", TrackingLink.Click, out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Html_links_are_rewritten_to_signed_click_links_and_a_pixel_is_added()
    {
        var tokens = Tokens();
        var tracking = new EmailTracking(tokens, "https://herald.example", new TrackingOptions());
        var d = TestContexts.Delivery(Channel.Email, "a@example.com", new JsonObject());
        var html = tracking.Track(d, "<html><body><a href=\"https://shop.example/a?b=1&amp;c=2\">x</a> <a href='mailto:x@y'>m</a></body></html>");

        var click = Regex.Match(html, "href=\"https://herald.example/t/c/([^\"]+)\"");
        click.Success.ShouldBeTrue();
        tokens.TryOpen(click.Groups[1].Value, TrackingLink.Click, out var id, out var url).ShouldBeTrue();
        id.ShouldBe(d.Id);
        url.ShouldBe("https://shop.example/a?b=1&c=2");
        html.ShouldContain("href='mailto:x@y'");
        html.ShouldContain("<img src=\"https://herald.example/t/o/");
        html.IndexOf("<img", StringComparison.Ordinal).ShouldBeLessThan(html.IndexOf("</body>", StringComparison.Ordinal));
    }

    [Fact]
    public void Tracking_can_be_turned_off_and_urgent_mail_has_no_unsubscribe_link()
    {
        var tracking = new EmailTracking(Tokens(), "https://herald.example", new TrackingOptions { Opens = false, Clicks = false });
        var normal = TestContexts.Delivery(Channel.Email, "a@example.com", new JsonObject());
        tracking.Track(normal, "<a href=\"https://x.example/\">x</a>").ShouldBe("<a href=\"https://x.example/\">x</a>");
        tracking.UnsubscribeUrl(normal).ShouldStartWith("https://herald.example/t/u/");
        tracking.UnsubscribeUrl(normal with { Priority = Priority.Urgent }).ShouldBeNull();
    }
}
