using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class TemplateRendererLocaleTests
{
    private static readonly JsonObject Data = Json("""{"name": "Ada"}""");

    private readonly TemplateRenderer _renderer = new();

    private static TemplateDefinition Localized() => Template(
        new()
        {
            [Channel.Push] = Json("""{"title": "Hello {{name}}", "body": "default push"}"""),
            [Channel.Sms] = Json("""{"body": "default sms {{name}}"}"""),
            [Channel.Email] = Json("""{"subject": "default subject", "text": "default text"}"""),
        },
        new()
        {
            ["fr"] = new Dictionary<Channel, JsonObject>
            {
                [Channel.Push] = Json("""{"title": "Bonjour {{name}}", "body": "fr push"}"""),
                [Channel.Sms] = Json("""{"body": "fr sms {{name}}"}"""),
            },
            ["fr-CA"] = new Dictionary<Channel, JsonObject>
            {
                [Channel.Push] = Json("""{"title": "Allo {{name}}", "body": "fr-CA push"}"""),
            },
        });

    [Theory]
    [InlineData("fr-CA", "Allo Ada")]
    [InlineData("fr", "Bonjour Ada")]
    [InlineData("fr-FR", "Bonjour Ada")]
    [InlineData("FR-ca", "Allo Ada")]
    [InlineData("fr_CA", "Allo Ada")]
    [InlineData("de-DE", "Hello Ada")]
    [InlineData(null, "Hello Ada")]
    [InlineData("", "Hello Ada")]
    public void Render_Push_UsesMostSpecificLocale(string? locale, string expectedTitle)
    {
        var result = _renderer.Render(Localized(), Channel.Push, locale, Data);

        result["title"]!.GetValue<string>().ShouldBe(expectedTitle);
    }

    [Fact]
    public void Render_RegionLacksChannel_FallsBackToLanguagePerChannel()
    {
        var result = _renderer.Render(Localized(), Channel.Sms, "fr-CA", Data);

        result["body"]!.GetValue<string>().ShouldBe("fr sms Ada");
    }

    [Fact]
    public void Render_NoLocaleHasChannel_FallsBackToDefault()
    {
        var result = _renderer.Render(Localized(), Channel.Email, "fr-CA", Data);

        result.ToJsonString().ShouldBe("""{"subject":"default subject","text":"default text"}""");
    }

    [Fact]
    public void Render_DifferentLocalesOfOneVersion_AreCachedSeparately()
    {
        var template = Localized();

        var french = _renderer.Render(template, Channel.Push, "fr", Data);
        var english = _renderer.Render(template, Channel.Push, "en", Data);

        french["title"]!.GetValue<string>().ShouldBe("Bonjour Ada");
        english["title"]!.GetValue<string>().ShouldBe("Hello Ada");
    }

    [Fact]
    public void TryResolveParts_RegionLacksChannel_ReturnsLanguageParts()
    {
        var template = Localized();

        var parts = _renderer.TryResolveParts(template, Channel.Sms, "fr-CA");

        parts.ShouldBeSameAs(template.Locales["fr"][Channel.Sms]);
        parts!["body"]!.GetValue<string>().ShouldBe("fr sms {{name}}");
    }

    [Fact]
    public void TryResolveParts_MissingChannel_ReturnsNull()
    {
        _renderer.TryResolveParts(Localized(), Channel.Webhook, "fr-CA").ShouldBeNull();
    }

    [Fact]
    public void MissingVariables_DottedPathsAndNulls_ReturnsAbsentInDeclarationOrder()
    {
        var template = Template(
            new() { [Channel.Sms] = Json("""{"body": "x"}""") },
            variables: ["name", "order.id", "order.total", "coupon", "items", "customer.address.city", "name.first"]);
        var data = Json("""{"name": "Ada", "order": {"id": null, "total": 3}, "coupon": null, "customer": {"address": {"city": "Oslo"}}}""");

        var missing = TemplateRenderer.MissingVariables(template, data);

        missing.ShouldBe(["order.id", "coupon", "items", "name.first"]);
    }

    [Fact]
    public void MissingVariables_AllPresent_ReturnsEmpty()
    {
        var template = Template(
            new() { [Channel.Sms] = Json("""{"body": "x"}""") },
            variables: ["flag", "count", "order.lines"]);

        var missing = TemplateRenderer.MissingVariables(template, Json("""{"flag": false, "count": 0, "order": {"lines": []}}"""));

        missing.ShouldBeEmpty();
    }
}
