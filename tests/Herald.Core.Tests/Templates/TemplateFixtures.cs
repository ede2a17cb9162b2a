using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Templates;

namespace Herald.Core.Tests.Templates;

internal static class TemplateFixtures
{
    public static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    public static TemplateDefinition Template(
        Dictionary<Channel, JsonObject> channels,
        Dictionary<string, IReadOnlyDictionary<Channel, JsonObject>>? locales = null,
        string[]? variables = null,
        string templateId = "order_shipped",
        int version = 1) =>
        new(templateId, version, variables ?? [], channels, locales ?? []);

    public static TemplateDefinition Sms(string body, int version = 1, string templateId = "order_shipped") =>
        Template(new() { [Channel.Sms] = Json($$"""{"body": {{JsonValue.Create(body).ToJsonString()}}}""") }, version: version, templateId: templateId);
}
