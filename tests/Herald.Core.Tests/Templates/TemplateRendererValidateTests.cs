using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class TemplateRendererValidateTests
{
    [Theory]
    [InlineData(Channel.Push, """{"body": "b"}""", "channels.push.title")]
    [InlineData(Channel.Push, """{"title": "t"}""", "channels.push.body")]
    [InlineData(Channel.Push, """{"title": 5, "body": "b"}""", "channels.push.title")]
    [InlineData(Channel.Email, """{"html": "<p>h</p>"}""", "channels.email.subject")]
    [InlineData(Channel.Email, """{"subject": "s"}""", "channels.email.html")]
    [InlineData(Channel.Sms, """{"text": "t"}""", "channels.sms.body")]
    [InlineData(Channel.InApp, """{"icon": "bell", "action_url": "/x"}""", "channels.in_app.title")]
    [InlineData(Channel.Webhook, """{"payload": "not an object"}""", "channels.webhook.payload")]
    [InlineData(Channel.Webhook, """{"url": "x"}""", "channels.webhook.payload")]
    [InlineData(Channel.Sms, "{}", "channels.sms")]
    [InlineData(Channel.Email, """{"subject": "s", "html": "{{#each items}}{{name}}"}""", "channels.email.html")]
    [InlineData(Channel.Sms, """{"body": "{{ name"}""", "channels.sms.body")]
    [InlineData(Channel.Webhook, """{"payload": {"user": {"name": "{{#if x}}"}}}""", "channels.webhook.payload.user.name")]
    [InlineData(Channel.Webhook, """{"payload": {"tags": ["ok", "{{/if}}"]}}""", "channels.webhook.payload.tags[1]")]
    public void Validate_InvalidDefaultChannel_ThrowsWithPartPath(Channel channel, string parts, string expectedField)
    {
        var template = Template(new() { [channel] = Json(parts) });

        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(template));

        ex.Field.ShouldBe(expectedField);
    }

    [Theory]
    [InlineData("f")]
    [InlineData("fr_CA")]
    [InlineData("fr-")]
    [InlineData("-fr")]
    [InlineData("fr--CA")]
    [InlineData("fr CA")]
    [InlineData("12")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abc")]
    public void Validate_InvalidLocaleTag_ThrowsNamingTag(string tag)
    {
        var template = WithLocale(tag, Channel.Sms, """{"body": "x"}""");

        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(template));

        ex.Field.ShouldBe($"locales.{tag}");
    }

    [Theory]
    [InlineData(Channel.Push, """{"title": "t"}""", "locales.fr.push.body")]
    [InlineData(Channel.Sms, "{}", "locales.fr.sms")]
    [InlineData(Channel.Sms, """{"body": "{{#each x}}"}""", "locales.fr.sms.body")]
    public void Validate_InvalidLocaleChannel_ThrowsWithLocalePath(Channel channel, string parts, string expectedField)
    {
        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(WithLocale("fr", channel, parts)));

        ex.Field.ShouldBe(expectedField);
    }

    [Theory]
    [InlineData("fr")]
    [InlineData("fr-CA")]
    [InlineData("zh-Hant-TW")]
    [InlineData("es-419")]
    public void Validate_ValidTemplate_PassesAndRenders(string tag)
    {
        var template = Template(
            new()
            {
                [Channel.Push] = Json("""{"title": "Hi {{name}}", "body": "b", "data": {"n": 1}}"""),
                [Channel.Email] = Json("""{"subject": "s", "text": "only text {{name}}"}"""),
                [Channel.Sms] = Json("""{"body": "{{#each items}}{{this}}{{/each}}"}"""),
                [Channel.InApp] = Json("""{"body": "only body"}"""),
                [Channel.Webhook] = Json("""{"payload": {}}"""),
            },
            new() { [tag] = new Dictionary<Channel, JsonObject> { [Channel.Sms] = Json("""{"body": "loc {{name}}"}""") } });

        TemplateRenderer.Validate(template);

        new TemplateRenderer().Render(template, Channel.Sms, tag, Json("""{"name": "Ada"}"""))["body"]!.GetValue<string>().ShouldBe("loc Ada");
    }

    private static TemplateDefinition WithLocale(string tag, Channel channel, string parts) => Template(
        new() { [Channel.Sms] = Json("""{"body": "default"}""") },
        new() { [tag] = new Dictionary<Channel, JsonObject> { [channel] = Json(parts) } });

    [Fact]
    public void Validate_EachWithoutArgument_ThrowsTemplateExceptionNotTheParsersOwn()
    {
        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(Sms("{{#each}}x{{/each}}")));

        ex.Field.ShouldBe("channels.sms.body");
        ex.Message.ShouldContain("template does not compile");
    }
}
