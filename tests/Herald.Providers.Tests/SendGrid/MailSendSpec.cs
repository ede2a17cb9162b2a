using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Herald.Providers.Tests.SendGrid;

/// <summary>
/// Checks a Mail Send body against the request schema in specs/tsg_mail_v3.json (SendGrid's own OpenAPI file): required
/// properties, types, string and array bounds and the email format, following $refs.
/// </summary>
public static partial class MailSendSpec
{
    private static readonly Lazy<JsonNode> Spec = new(() => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "specs", "tsg_mail_v3.json")))!);

    public static JsonNode RequestSchema => Spec.Value["components"]!["requestBodies"]!["PostMailSend"]!["content"]!["application/json"]!["schema"]!;

    public static IReadOnlyList<string> Violations(JsonNode body)
    {
        var found = new List<string>();
        Check(body, RequestSchema, "", found);
        return found;
    }

    private static void Check(JsonNode? value, JsonNode schema, string path, List<string> found)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = reference.TrimStart('#', '/').Split('/').Aggregate(Spec.Value, (node, part) => node[part]!);
        }

        var type = schema["type"]?.GetValue<string>();
        switch (type)
        {
            case "object" when value is not JsonObject:
            case "array" when value is not JsonArray:
            case "string" when value?.GetValueKind() != JsonValueKind.String:
            case "integer" when value?.GetValueKind() != JsonValueKind.Number:
            case "boolean" when value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False):
                found.Add($"{path}: expected {type}, got {value?.GetValueKind()}");
                return;
        }

        if (value is JsonObject obj)
        {
            foreach (var name in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            {
                if (!obj.ContainsKey(name))
                {
                    found.Add($"{Join(path, name)}: required");
                }
            }

            foreach (var (name, child) in obj)
            {
                if (schema["properties"]?[name] is { } childSchema)
                {
                    Check(child, childSchema, Join(path, name), found);
                }
            }
        }
        else if (value is JsonArray array)
        {
            if (schema["minItems"]?.GetValue<int>() is { } min && array.Count < min)
            {
                found.Add($"{path}: fewer than {min} items");
            }

            if (schema["maxItems"]?.GetValue<int>() is { } max && array.Count > max)
            {
                found.Add($"{path}: more than {max} items");
            }

            for (var i = 0; i < array.Count; i++)
            {
                if (schema["items"] is { } items)
                {
                    Check(array[i], items, $"{path}[{i}]", found);
                }
            }
        }
        else if (value?.GetValueKind() == JsonValueKind.String)
        {
            var s = value.GetValue<string>();
            if (schema["minLength"]?.GetValue<int>() is { } min && s.Length < min)
            {
                found.Add($"{path}: shorter than {min}");
            }

            if (schema["maxLength"]?.GetValue<int>() is { } max && s.Length > max)
            {
                found.Add($"{path}: longer than {max}");
            }

            if (schema["format"]?.GetValue<string>() == "email" && !Email().IsMatch(s))
            {
                found.Add($"{path}: not an email");
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    [GeneratedRegex(@"^[^\s@]+@[^\s@]+\.[^\s@]+$")]
    private static partial Regex Email();
}
