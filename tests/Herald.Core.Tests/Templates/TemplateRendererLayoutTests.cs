using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class TemplateRendererLayoutTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TemplateRenderer _renderer = new();

    private static TemplateDefinition Email(string html, string? text = null, TemplateLayoutChoice? layout = null, int version = 1)
    {
        var parts = new JsonObject { ["subject"] = "Order {{id}}", ["html"] = html };
        if (text is not null)
        {
            parts["text"] = text;
        }

        return Template(new() { [Channel.Email] = parts }, version: version) with { Layout = layout };
    }

    private static TemplateLibrary Library(StoredLayout[]? layouts = null, params (string Name, string Source)[] partials) =>
        new(layouts ?? [], partials.Select(p => new StoredPartial(p.Name, p.Source, At)));

    private static StoredLayout Layout(string id, string html, string? text = null) => new(id, null, html, text, At);

    private JsonObject Render(TemplateDefinition template, TemplateLibrary library, string data = """{"id": "A-1"}""") =>
        _renderer.Render(template, Channel.Email, Json(data), new TemplateRenderContext(null, null, library));

    [Fact]
    public void Render_EnvironmentHasDefaultLayout_WrapsEmailHtmlAtBody()
    {
        var library = Library([Layout("default", "<html><title>{{subject}}</title><body>{{{body}}}<footer>ACME</footer></body></html>")]);

        var email = Render(Email("<p>Order {{id}} shipped</p>"), library);

        email["html"]!.GetValue<string>().ShouldBe("<html><title>Order A-1</title><body><p>Order A-1 shipped</p><footer>ACME</footer></body></html>");
    }

    [Fact]
    public void Render_TemplateNamesLayout_UsesItInsteadOfDefault()
    {
        var library = Library([Layout("default", "D{{{body}}}"), Layout("promo", "P{{{body}}}")]);

        Render(Email("<p>x</p>", layout: new TemplateLayoutChoice("promo")), library)["html"]!.GetValue<string>().ShouldBe("P<p>x</p>");
    }

    [Fact]
    public void Render_TemplateOptsOutOfLayout_HtmlIsUnwrapped()
    {
        var library = Library([Layout("default", "D{{{body}}}")]);

        Render(Email("<p>x</p>", layout: TemplateLayoutChoice.None), library)["html"]!.GetValue<string>().ShouldBe("<p>x</p>");
    }

    [Fact]
    public void Render_NamedLayoutMissing_ThrowsUnknownLayout()
    {
        var ex = Should.Throw<TemplateException>(() => Render(Email("<p>x</p>", layout: new TemplateLayoutChoice("gone")), Library()));

        ex.Kind.ShouldBe(TemplateLibrary.UnknownLayout);
        ex.Field.ShouldBe("layout");
        ex.Message.ShouldContain("'gone'");
    }

    [Fact]
    public void Render_LayoutDataIsEscapedButBodyIsNot()
    {
        var library = Library([Layout("default", "<h1>{{id}}</h1>{{{body}}}")]);

        Render(Email("<b>{{id}}</b>"), library, """{"id": "<i>"}""")["html"]!.GetValue<string>().ShouldBe("<h1>&lt;i&gt;</h1><b>&lt;i&gt;</b>");
    }

    [Fact]
    public void Render_NoTextPart_TextIsMadeFromTheWrappedHtml()
    {
        var library = Library([Layout("default", "{{{body}}}<p>Unsubscribe: <a href=\"https://x.test/u\">here</a></p>")]);

        var email = Render(Email("<p>Order {{id}} shipped</p>"), library);

        email["text"]!.GetValue<string>().ShouldBe("Order A-1 shipped\n\nUnsubscribe: here (https://x.test/u)");
    }

    [Fact]
    public void Render_LayoutWithTextAndTemplateWithText_WrapsTheText()
    {
        var library = Library([Layout("default", "{{{body}}}", "{{body}}\n-- ACME")]);

        Render(Email("<p>x</p>", text: "Order {{id}}"), library)["text"]!.GetValue<string>().ShouldBe("Order A-1\n-- ACME");
    }

    [Fact]
    public void Render_LayoutWithTextAndNoTemplateText_WrapsTextMadeFromTheEmailsOwnHtml()
    {
        var library = Library([Layout("default", "<div>header</div>{{{body}}}", "{{body}}\n-- ACME")]);

        Render(Email("<p>Hello</p>"), library)["text"]!.GetValue<string>().ShouldBe("Hello\n-- ACME");
    }

    [Fact]
    public void Render_NoLayoutNoText_TextIsMadeFromHtml()
    {
        Render(Email("<p>Hi</p><ul><li>a</li><li>b</li></ul>"), TemplateLibrary.Empty)["text"]!.GetValue<string>().ShouldBe("Hi\n\n- a\n- b");
    }

    [Fact]
    public void Render_PartialInAnyChannel_IsResolvedFromTheLibrary()
    {
        var library = Library(null, ("sig", "-- {{team}}"));

        var sms = _renderer.Render(Sms("Hi {{> sig}}"), Channel.Sms, Json("""{"team": "ACME"}"""), new TemplateRenderContext(null, null, library));

        sms["body"]!.GetValue<string>().ShouldBe("Hi -- ACME");
    }

    [Fact]
    public void Render_PartialUsingPartialInsideLayoutAndEach_ResolvesEveryLevel()
    {
        var library = Library([Layout("default", "{{> header}}{{{body}}}")], ("header", "<h1>{{> brand}}</h1>"), ("brand", "ACME"), ("row", "<li>{{name}}</li>"));

        var email = Render(Email("<ul>{{#each items}}{{> row}}{{/each}}</ul>"), library, """{"id": 1, "items": [{"name": "a"}, {"name": "b"}]}""");

        email["html"]!.GetValue<string>().ShouldBe("<h1>ACME</h1><ul><li>a</li><li>b</li></ul>");
    }

    [Fact]
    public void Render_PartialMissing_ThrowsUnknownPartialNamingThePart()
    {
        var ex = Should.Throw<TemplateException>(() => Render(Email("<p>{{> footer}}</p>"), Library()));

        ex.Kind.ShouldBe(TemplateLibrary.UnknownPartial);
        ex.Field.ShouldBe("channels.email.html");
        ex.Message.ShouldContain("'footer'");
    }

    [Fact]
    public void Render_DynamicPartialMissing_ThrowsUnknownPartial()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("{{> (lookup . 'which')}}"), Channel.Sms, Json("""{"which": "nope"}"""), new TemplateRenderContext(null, null, Library())));

        ex.Kind.ShouldBe(TemplateLibrary.UnknownPartial);
        ex.Message.ShouldContain("'nope'");
    }

    [Fact]
    public void Render_PartialIncludingItself_FailsOnThePartialDepthBudget()
    {
        var library = Library(null, ("loop", "x{{> loop}}"));

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms("{{> loop}}"), Channel.Sms, Json("{}"), new TemplateRenderContext(null, null, library)));

        ex.Budget.ShouldBe(nameof(TemplateRenderOptions.MaxPartialDepth));
    }

    [Fact]
    public void Render_PartialChangedInANewLibrary_RendersTheNewText()
    {
        var template = Sms("{{> sig}}");
        _renderer.Render(template, Channel.Sms, Json("{}"), new TemplateRenderContext(null, null, Library(null, ("sig", "old"))))["body"]!.GetValue<string>().ShouldBe("old");

        _renderer.Render(template, Channel.Sms, Json("{}"), new TemplateRenderContext(null, null, Library(null, ("sig", "new"))))["body"]!.GetValue<string>().ShouldBe("new");
    }

    [Fact]
    public void Render_OneLayoutIdInTwoEnvironments_EachUsesItsOwn()
    {
        var a = Render(Email("x") with { EnvironmentId = "env_a" }, Library([Layout("default", "A{{{body}}}")]));
        var b = Render(Email("x") with { EnvironmentId = "env_b" }, Library([Layout("default", "B{{{body}}}")]));

        a["html"]!.GetValue<string>().ShouldBe("Ax");
        b["html"]!.GetValue<string>().ShouldBe("Bx");
    }
}
