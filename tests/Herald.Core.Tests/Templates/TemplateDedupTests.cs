using System.Text.Json.Nodes;
using Herald.Core.Templates;

namespace Herald.Core.Tests.Templates;

public sealed class TemplateDedupTests
{
    private static JsonObject Document(JsonNode? dedup) => new()
    {
        ["channels"] = new JsonObject { ["sms"] = new JsonObject { ["body"] = "hi" } },
        ["dedup"] = dedup,
    };

    [Fact]
    public void Parse_WindowAndUrgent_OnTheDefinition()
    {
        var definition = TemplateDocument.Parse("otp.login", 1, Document(new JsonObject { ["window"] = "PT1H", ["urgent"] = true }));

        definition.Dedup.ShouldBe(new TemplateDedup(TimeSpan.FromHours(1), true));
    }

    [Fact]
    public void Parse_NoDedup_Null()
    {
        TemplateDocument.Parse("otp.login", 1, Document(null)).Dedup.ShouldBeNull();
    }

    [Fact]
    public void Parse_ZeroWindow_KeptAsOff()
    {
        TemplateDocument.Parse("otp.login", 1, Document(new JsonObject { ["window"] = "PT0S" })).Dedup.ShouldBe(new TemplateDedup(TimeSpan.Zero, null));
    }

    [Theory]
    [InlineData("{\"window\": \"P1DT1S\"}", "dedup.window")]
    [InlineData("{\"window\": 600}", "dedup.window")]
    [InlineData("{\"urgent\": \"yes\"}", "dedup.urgent")]
    [InlineData("{\"windw\": \"PT1H\"}", "dedup.windw")]
    [InlineData("\"PT1H\"", "dedup")]
    public void Parse_BadDedup_ThrowsNamingTheField(string dedup, string field)
    {
        var ex = Should.Throw<TemplateException>(() => TemplateDocument.Parse("otp.login", 1, Document(JsonNode.Parse(dedup))));

        ex.Field.ShouldBe(field);
    }

    [Fact]
    public void FromStored_Unreadable_NullSoClaimsGoOn()
    {
        TemplateDedup.FromStored("{\"window\": \"soon\"}").ShouldBeNull();
        TemplateDedup.FromStored("not json").ShouldBeNull();
        TemplateDedup.FromStored("{\"window\": \"PT5M\"}").ShouldBe(new TemplateDedup(TimeSpan.FromMinutes(5), null));
    }
}
