using System.Diagnostics;
using System.Text.Json.Nodes;
using CsCheck;
using Herald.Core.Domain;
using Herald.Core.Templates;
using Microsoft.Extensions.Options;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

/// <summary>Random templates over random data: a render either succeeds within its budget or fails with a TemplateException.</summary>
public class TemplateRendererPropertyTests
{
    private static readonly TemplateRenderOptions Limits = new() { MaxSteps = 50_000, MaxOutputChars = 50_000, Timeout = TimeSpan.FromMilliseconds(300) };

    // Valid and broken pieces alike: the renderer must turn every failure into a TemplateException.
    private static readonly Gen<string> Leaf = Gen.OneOf(
        Gen.Const("x "), Gen.Const("{{a}}"), Gen.Const("{{s}}"), Gen.Const("{{this}}"), Gen.Const("{{../s}}"), Gen.Const("{{@index}}"),
        Gen.Const("{{> p}}"), Gen.Const("{{> q}}"), Gen.Const("{{lookup . 'a'}}"), Gen.Const("{{{s}}}"), Gen.Const("{{missing}}"),
        Gen.Const("{{"), Gen.Const("}}"), Gen.Const("{{/if}}"), Gen.Const("{{#each}}"), Gen.Const("\n  "),
        Gen.String[Gen.Char["{}#/>^!~*\"'.() ab"], 0, 8]);

    private static readonly Gen<string> Template = Body(3);

    // Parsed from text, as request data always is.
    private static readonly Gen<JsonObject> Data =
        Gen.Select(Gen.Int[0, 40], Gen.Int[0, 40], Gen.Int[0, 3_000], Gen.Int[-5, 5], (outer, inner, length, a) => Json(new JsonObject
        {
            ["a"] = a,
            ["s"] = new string('s', length),
            ["l"] = new JsonArray([.. Enumerable.Range(0, outer).Select(_ => (JsonNode?)new JsonObject
            {
                ["s"] = "i",
                ["l"] = new JsonArray([.. Enumerable.Range(0, inner).Select(i => (JsonNode?)JsonValue.Create(i))]),
            })]),
        }.ToJsonString()));

    [Fact]
    public void Render_RandomTemplatesAndData_OnlyTemplateExceptionsAndWithinBudget()
    {
        var renderer = new TemplateRenderer(Options.Create(Limits), TimeProvider.System);

        Gen.Select(Template, Data).Sample((body, data) =>
        {
            var started = Stopwatch.StartNew();
            try
            {
                var rendered = renderer.Render(Sms(body, version: 0), Channel.Sms, null, data);
                rendered["body"]!.GetValue<string>().Length.ShouldBeLessThanOrEqualTo(Limits.MaxOutputChars);
            }
            catch (TemplateException ex)
            {
                ex.Field.ShouldNotBeNullOrEmpty();
            }

            // The budget's clock covers rendering, not compiling; a second bounds both on this shared machine.
            started.Elapsed.ShouldBeLessThan(Limits.Timeout + TimeSpan.FromSeconds(1));
        }, iter: 400, threads: 1);
    }

    private static Gen<string> Body(int depth)
    {
        if (depth == 0)
        {
            return Leaf.Array[0, 4].Select(string.Concat);
        }

        var inner = Body(depth - 1);
        var piece = Gen.Frequency(
            (6, Leaf),
            (2, inner.Select(b => $"{{{{#each l}}}}{b}{{{{/each}}}}")),
            (1, inner.Select(b => $"{{{{#each ../l}}}}{b}{{{{/each}}}}")),
            (1, inner.Select(b => $"{{{{#each this.l}}}}{b}{{{{/each}}}}")),
            (1, Gen.Select(inner, inner, (b, e) => $"{{{{#if a}}}}{b}{{{{else}}}}{e}{{{{/if}}}}")),
            (1, inner.Select(b => $"{{{{#with l}}}}{b}{{{{/with}}}}")),
            (1, inner.Select(b => $"{{{{#*inline \"p\"}}}}{b}{{{{/inline}}}}")),
            (1, inner.Select(b => $"{{{{#*inline \"q\"}}}}{b}{{{{> p}}}}{b}{{{{/inline}}}}")));
        return piece.Array[0, 5].Select(string.Concat);
    }
}
