using System.Text.Json;
using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class TemplateRendererTests
{
    private readonly TemplateRenderer _renderer = new();

    [Fact]
    public void Render_InlinePartialLookupThatCrashesHandlebars_ThrowsTemplateException()
    {
        // Found by TemplateRendererPropertyTests (seed 0I9rr7dlAyJ1): Handlebars.Net's path resolver threw
        // IndexOutOfRangeException from inside this partial, which reached the caller as a 500 instead of a template error.
        const string body = "{{#*inline \"q\"}}{{/if}}\n  {{> p}}{{/if}}\n  {{/inline}}{{> p}}{{#*inline \"p\"}}{{lookup . 'a'}}{{lookup . 'a'}}~{{/if}}{{/inline}}\n  \n  ";
        var data = Json("""{"a": 0, "s": "ss", "l": [{"s": "i", "l": [0, 1, 2]}]}""");

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms(body, version: 0), Channel.Sms, null, data));

        ex.Message.ShouldContain("template failed to render");
    }

    [Fact]
    public void Render_MissingNestedVariable_ThrowsNamingVariablePath()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("Order {{order.id}} shipped"), Channel.Sms, null, Json("""{"order": {}}""")));

        ex.Field.ShouldBe("order.id");
        ex.Message.ShouldBe("missing template variable 'order.id'");
    }

    [Fact]
    public void Render_MissingTopLevelVariable_ThrowsNamingVariable()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("Hi {{name}}"), Channel.Sms, null, Json("""{"other": 1}""")));

        ex.Field.ShouldBe("name");
        ex.Message.ShouldContain("'name'");
    }

    [Fact]
    public void Render_MissingVariableInsideEach_ThrowsNamingVariable()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("{{#each items}}{{sku}}{{/each}}"), Channel.Sms, null, Json("""{"items": [{"name": "a"}]}""")));

        ex.Field.ShouldBe("sku");
    }

    [Fact]
    public void Render_NullVariable_RendersEmpty()
    {
        var result = _renderer.Render(Sms("Hi {{name}}!"), Channel.Sms, null, Json("""{"name": null}"""));

        result["body"]!.GetValue<string>().ShouldBe("Hi !");
    }

    [Fact]
    public void Render_EmailHtml_EscapesWhileSubjectAndTextDoNot()
    {
        var template = Template(new()
        {
            [Channel.Email] = Json("""{"subject": "For {{name}}", "html": "<p>{{name}}</p>", "text": "Hello {{name}}"}"""),
        });

        var result = _renderer.Render(template, Channel.Email, null, Json("""{"name": "<script>x</script> & co"}"""));

        result["html"]!.GetValue<string>().ShouldBe("<p>&lt;script&gt;x&lt;/script&gt; &amp; co</p>");
        result["subject"]!.GetValue<string>().ShouldBe("For <script>x</script> & co");
        result["text"]!.GetValue<string>().ShouldBe("Hello <script>x</script> & co");
    }

    [Fact]
    public void Render_SmsPushInApp_DoNotEscape()
    {
        var template = Template(new()
        {
            [Channel.Sms] = Json("""{"body": "{{v}}"}"""),
            [Channel.Push] = Json("""{"title": "{{v}}", "body": "b", "data": {"link": "https://x.test/?a=1&b={{v}}"}}"""),
            [Channel.InApp] = Json("""{"title": "{{v}}", "action_url": "/o?a=1&b=2"}"""),
        });
        var data = Json("""{"v": "<b>Tom & Jerry</b>"}""");

        _renderer.Render(template, Channel.Sms, null, data)["body"]!.GetValue<string>().ShouldBe("<b>Tom & Jerry</b>");
        var push = _renderer.Render(template, Channel.Push, null, data);
        push["title"]!.GetValue<string>().ShouldBe("<b>Tom & Jerry</b>");
        push["data"]!["link"]!.GetValue<string>().ShouldBe("https://x.test/?a=1&b=<b>Tom & Jerry</b>");
        var inApp = _renderer.Render(template, Channel.InApp, null, data);
        inApp["title"]!.GetValue<string>().ShouldBe("<b>Tom & Jerry</b>");
        inApp["action_url"]!.GetValue<string>().ShouldBe("/o?a=1&b=2");
    }

    [Fact]
    public void Render_NestedEachAndIf_RendersAllBlocks()
    {
        var template = Sms("{{customer.name}}: {{#each items}}{{name}} x{{qty}};{{/each}}{{#if express}} express{{else}} standard{{/if}}");
        var data = Json("""
            {"customer": {"name": "Ada"}, "items": [{"name": "pen", "qty": 2}, {"name": "ink", "qty": 1}], "express": true}
            """);

        _renderer.Render(template, Channel.Sms, null, data)["body"]!.GetValue<string>().ShouldBe("Ada: pen x2;ink x1; express");
    }

    [Fact]
    public void Render_IfFalseAndEmptyList_UsesElseAndSkipsEach()
    {
        var template = Sms("[{{#each items}}{{name}}{{/each}}]{{#if express}}fast{{else}}slow{{/if}}");

        var result = _renderer.Render(template, Channel.Sms, null, Json("""{"items": [], "express": false}"""));

        result["body"]!.GetValue<string>().ShouldBe("[]slow");
    }

    [Fact]
    public void Render_NumbersInStrings_UseInvariantFormatting()
    {
        var result = _renderer.Render(Sms("{{total}} / {{count}}"), Channel.Sms, null, Json("""{"total": 12.5, "count": 3}"""));

        result["body"]!.GetValue<string>().ShouldBe("12.5 / 3");
    }

    [Fact]
    public void Render_MissingChannel_ThrowsNamingChannel()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("hi"), Channel.InApp, "fr", Json("{}")));

        ex.Field.ShouldBe("channels.in_app");
        ex.Message.ShouldContain("in_app");
    }

    [Fact]
    public void Render_WebhookPayload_KeepsNonStringLeavesAsIs()
    {
        var template = Template(new()
        {
            [Channel.Webhook] = Json("""
                {"payload": {"event": "order.{{status}}", "version": 2, "ratio": 0.5, "live": true, "none": null,
                 "order": {"id": "{{order.id}}", "tags": ["{{status}}", 7]}}}
                """),
        });

        var result = _renderer.Render(template, Channel.Webhook, null, Json("""{"status": "shipped", "order": {"id": 42}}"""));

        var payload = result["payload"]!.AsObject();
        payload["version"]!.GetValueKind().ShouldBe(JsonValueKind.Number);
        payload["version"]!.GetValue<int>().ShouldBe(2);
        payload["ratio"]!.GetValue<double>().ShouldBe(0.5);
        payload["live"]!.GetValue<bool>().ShouldBeTrue();
        payload["order"]!["id"]!.GetValue<string>().ShouldBe("42");
        result.ToJsonString().ShouldBe(
            """{"payload":{"event":"order.shipped","version":2,"ratio":0.5,"live":true,"none":null,"order":{"id":"42","tags":["shipped",7]}}}""");
    }

    [Fact]
    public void Render_Always_LeavesTemplatePartsUnchanged()
    {
        var template = Sms("Hi {{name}}");

        _renderer.Render(template, Channel.Sms, null, Json("""{"name": "Ada"}"""));

        template.Channels[Channel.Sms]["body"]!.GetValue<string>().ShouldBe("Hi {{name}}");
    }

    [Fact]
    public void Render_RepeatedCalls_ReturnSameResult()
    {
        var template = Sms("Hi {{name}}");
        var data = Json("""{"name": "Ada"}""");

        var first = _renderer.Render(template, Channel.Sms, null, data);
        var second = _renderer.Render(template, Channel.Sms, null, data);

        first.ToJsonString().ShouldBe("""{"body":"Hi Ada"}""");
        second.ToJsonString().ShouldBe(first.ToJsonString());
        _renderer.Render(template, Channel.Sms, null, Json("""{"name": "Bo"}"""))["body"]!.GetValue<string>().ShouldBe("Hi Bo");
    }

    [Fact]
    public void Render_SameIdAndVersion_ReusesCompiledTemplate()
    {
        var data = Json("""{"name": "Ada"}""");
        _renderer.Render(Sms("v1 {{name}}"), Channel.Sms, null, data);

        // Versions are immutable, so the cache is keyed by version, not text; a new version compiles afresh.
        var sameVersion = _renderer.Render(Sms("changed {{name}}"), Channel.Sms, null, data);
        var newVersion = _renderer.Render(Sms("v2 {{name}}", version: 2), Channel.Sms, null, data);

        sameVersion["body"]!.GetValue<string>().ShouldBe("v1 Ada");
        newVersion["body"]!.GetValue<string>().ShouldBe("v2 Ada");
    }

    [Fact]
    public void Render_ConcurrentCalls_EachGetsItsOwnData()
    {
        var template = Sms("#{{n}}");

        var results = new string[200];
        Parallel.For(0, results.Length, i =>
            results[i] = _renderer.Render(template, Channel.Sms, null, Json($$"""{"n": {{i}}}"""))["body"]!.GetValue<string>());

        results.ShouldBe(Enumerable.Range(0, 200).Select(i => $"#{i}"));
    }
}
