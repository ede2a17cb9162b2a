using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Templates;
using Microsoft.Extensions.Options;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class TemplateRendererBudgetTests
{
    private const string FourNestedEach = "{{#each a}}{{#each ../a}}{{#each ../../a}}{{#each ../../../a}}x{{/each}}{{/each}}{{/each}}{{/each}}";

    private readonly TemplateRenderer _renderer = new();

    [Fact]
    public void Render_FourNestedEachOver300Items_ThrowsStepBudgetQuickly()
    {
        var started = Stopwatch.StartNew();

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms(FourNestedEach), Channel.Sms, null, Items(300)));

        ex.Budget.ShouldBe("MaxSteps");
        ex.Field.ShouldBe("channels.sms.body");
        ex.Message.ShouldContain("Herald:Templates:MaxSteps");
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Render_NestedEachWithoutOutput_ThrowsStepBudget()
    {
        var ex = Should.Throw<TemplateException>(() =>
            _renderer.Render(Sms("{{#each a}}{{#each ../a}}{{#each ../../a}}{{/each}}{{/each}}{{/each}}"), Channel.Sms, null, Items(1000)));

        ex.Budget.ShouldBe("MaxSteps");
    }

    [Fact]
    public void Render_MutuallyRecursiveInlinePartials_ThrowsPartialDepth()
    {
        const string body = "{{#*inline \"a\"}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}";

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms(body), Channel.Sms, null, []));

        ex.Budget.ShouldBe("MaxPartialDepth");
        ex.Message.ShouldContain("16");
    }

    [Fact]
    public void Render_PartialsFanningOutWithinDepth_ThrowsStepBudget()
    {
        // Ten calls a level, fifteen levels: within the depth limit, 10^15 calls without a byte of output.
        var levels = string.Concat(Enumerable.Range(0, 15).Select(i =>
            $"{{{{#*inline \"p{i}\"}}}}{string.Concat(Enumerable.Repeat($"{{{{> p{i + 1}}}}}", 10))}{{{{/inline}}}}"));
        var body = levels + "{{#*inline \"p15\"}}{{/inline}}{{> p0}}";

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms(body), Channel.Sms, null, []));

        ex.Budget.ShouldBe("MaxSteps");
    }

    [Fact]
    public void Render_HugeOutput_ThrowsOutputBudget()
    {
        var data = new JsonObject { ["big"] = new string('x', 100_000), ["a"] = Items(100)["a"]!.DeepClone() };

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms("{{#each a}}{{../big}}{{/each}}"), Channel.Sms, null, data));

        ex.Budget.ShouldBe("MaxOutputChars");
        ex.Message.ShouldContain("1000000");
    }

    [Fact]
    public void Render_HugeOutputBufferedInIndentedPartial_ThrowsOutputBudget()
    {
        // An indented standalone partial renders into Handlebars' own buffer, which the render's writer never sees.
        var repeat = string.Concat(Enumerable.Repeat("{{big}}", 900));
        var body = "{{#*inline \"p\"}}" + repeat + "{{/inline}}\n  {{> p}}\n";
        var data = new JsonObject { ["big"] = new string('x', 100_000) };

        var ex = Should.Throw<TemplateException>(() => _renderer.Render(Sms(body), Channel.Sms, null, data));

        ex.Budget.ShouldBe("MaxOutputChars");
    }

    [Fact]
    public void Render_OverTimeBudget_ThrowsTimeout()
    {
        var renderer = new TemplateRenderer(Options.Create(new TemplateRenderOptions { Timeout = TimeSpan.FromMilliseconds(50), MaxSteps = int.MaxValue }), TimeProvider.System);
        var started = Stopwatch.StartNew();

        var ex = Should.Throw<TemplateException>(() => renderer.Render(Sms(FourNestedEach), Channel.Sms, null, Items(300)));

        ex.Budget.ShouldBe("Timeout");
        ex.Message.ShouldContain("50 ms");
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Render_ConfiguredLimits_AreTheOnesApplied()
    {
        var renderer = new TemplateRenderer(Options.Create(new TemplateRenderOptions { MaxOutputChars = 10 }), TimeProvider.System);

        renderer.Render(Sms("0123456789"), Channel.Sms, null, [])["body"]!.GetValue<string>().ShouldBe("0123456789");
        Should.Throw<TemplateException>(() => renderer.Render(Sms("0123456789a", version: 2), Channel.Sms, null, [])).Budget.ShouldBe("MaxOutputChars");
    }

    [Fact]
    public void Render_BudgetIsPerRender_NextRenderStartsFresh()
    {
        var renderer = new TemplateRenderer(Options.Create(new TemplateRenderOptions { MaxSteps = 5_000 }), TimeProvider.System);
        Should.Throw<TemplateException>(() => renderer.Render(Sms("{{#each a}}{{name}}{{/each}}"), Channel.Sms, null, Items(5_000)));

        renderer.Render(Sms("{{#each a}}{{name}}{{/each}}"), Channel.Sms, null, Items(3))["body"]!.GetValue<string>().ShouldBe("n0n1n2");
    }

    [Fact]
    public void Render_OrdinaryDigestTemplate_RendersAsBefore()
    {
        var template = Template(new()
        {
            [Channel.Email] = Json("""{"subject": "Updates for {{user.name}}", "html": "<ul>{{#each a}}<li>{{@index}}: {{name}}{{#if @last}}!{{/if}}</li>{{/each}}</ul>", "text": "{{#with user}}{{name}}{{/with}}"}"""),
        });
        var data = Items(3);
        data["user"] = new JsonObject { ["name"] = "<Ada>" };

        var rendered = _renderer.Render(template, Channel.Email, null, data);

        rendered["subject"]!.GetValue<string>().ShouldBe("Updates for <Ada>");
        rendered["html"]!.GetValue<string>().ShouldBe("<ul><li>0: n0</li><li>1: n1</li><li>2: n2!</li></ul>");
        rendered["text"]!.GetValue<string>().ShouldBe("<Ada>");
    }

    [Fact]
    public void Render_InlinePartialWithinLimits_Renders()
    {
        const string body = "{{#*inline \"line\"}}[{{name}}]{{/inline}}{{#each a}}{{> line}}{{/each}}";

        _renderer.Render(Sms(body), Channel.Sms, null, Items(2))["body"]!.GetValue<string>().ShouldBe("[n0][n1]");
    }

    [Fact]
    public void Validate_BlocksNestedTooDeep_ThrowsBeforeCompiling()
    {
        var body = string.Concat(Enumerable.Repeat("{{#if a}}", 40)) + string.Concat(Enumerable.Repeat("{{/if}}", 40));

        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(Sms(body)));

        ex.Message.ShouldContain("nest more than 32 deep");
    }

    [Fact]
    public void Validate_TooManyTags_ThrowsBeforeCompiling()
    {
        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(Sms(string.Concat(Enumerable.Repeat("{{a}}", 1_001)))));

        ex.Message.ShouldContain("more than 1000 tags");
    }

    [Fact]
    public void Validate_PartTooLong_ThrowsBeforeCompiling()
    {
        var ex = Should.Throw<TemplateException>(() => TemplateRenderer.Validate(Sms(new string('x', 300_000))));

        ex.Message.ShouldContain("the limit is 262144");
    }

    private static JsonObject Items(int count) =>
        new() { ["a"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode?)new JsonObject { ["name"] = $"n{i}" })]) };
}
