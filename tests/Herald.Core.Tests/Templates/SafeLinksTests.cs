using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public sealed class SafeLinksTests
{
    private readonly TemplateRenderer _renderer = new();

    [Theory]
    [InlineData("https://example.com/a?b=c#d")]
    [InlineData("HTTP://example.com")]
    [InlineData("/orders/42")]
    [InlineData("orders/42?at=10:30")]
    [InlineData("//cdn.example.com/x")]
    [InlineData("#top")]
    [InlineData("")]
    public void IsSafe_HttpOrRelative_IsTrue(string url) => SafeLinks.IsSafe(url).ShouldBeTrue();

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript:alert(1)")]
    [InlineData("  javascript:alert(1)")]
    [InlineData("\u0001javascript:alert(1)")]
    [InlineData("java\tscript:alert(1)")]
    [InlineData("java\nscript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("intent://x#Intent;end")]
    public void IsSafe_OtherScheme_IsFalse(string url) => SafeLinks.IsSafe(url).ShouldBeFalse();

    [Fact]
    public void Render_InAppActionUrlFromDataJavascript_ThrowsNamingThePart()
    {
        var template = Template(new() { [Channel.InApp] = Json("""{"title": "Hi", "action_url": "{{url}}"}""") });

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(template, Channel.InApp, null, Json("""{"url": "javascript:alert(1)"}""")));

        ex.Field.ShouldBe("channels.in_app.action_url");
        ex.Message.ShouldContain("https, http or relative");
    }

    [Theory]
    [InlineData("url")]
    [InlineData("action_url")]
    public void Render_PushLinkFromData_ThrowsNamingThePart(string part)
    {
        var template = Template(new() { [Channel.Push] = Json($$$"""{"title": "Hi", "{{{part}}}": "{{link}}"}""") });

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(template, Channel.Push, null, Json("""{"link": "data:text/html,x"}""")));

        ex.Field.ShouldBe($"channels.push.{part}");
    }

    [Fact]
    public void Render_SafeLinksAndNonLinkParts_AreRenderedAsGiven()
    {
        var template = Template(new()
        {
            [Channel.InApp] = Json("""{"title": "{{t}}", "body": "{{t}}", "action_url": "{{url}}"}"""),
            [Channel.Sms] = Json("""{"body": "{{t}}"}"""),
        });
        var data = Json("""{"t": "javascript:alert(1)", "url": "https://example.com/o/1"}""");

        var inApp = _renderer.Render(template, Channel.InApp, null, data);
        var sms = _renderer.Render(template, Channel.Sms, null, data);

        inApp["action_url"]!.GetValue<string>().ShouldBe("https://example.com/o/1");
        inApp["body"]!.GetValue<string>().ShouldBe("javascript:alert(1)");
        sms["body"]!.GetValue<string>().ShouldBe("javascript:alert(1)");
    }
}
