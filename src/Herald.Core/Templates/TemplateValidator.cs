using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HandlebarsDotNet;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>Checks a template before it is stored: tags, non-empty channels, required parts, compilable strings.</summary>
internal static partial class TemplateValidator
{
    public static void Validate(TemplateDefinition template)
    {
        foreach (var (channel, parts) in template.Channels)
        {
            ValidateChannel(channel, parts, $"channels.{channel.ToWire()}");
        }

        foreach (var (tag, channels) in template.Locales)
        {
            if (!IsLocaleTag(tag))
            {
                throw new TemplateException($"locales.{tag}", $"'{tag}' is not a valid locale tag (letters, digits and hyphens, 2-35 characters)");
            }

            foreach (var (channel, parts) in channels)
            {
                ValidateChannel(channel, parts, $"locales.{tag}.{channel.ToWire()}");
            }
        }
    }

    private static void ValidateChannel(Channel channel, JsonObject parts, string prefix)
    {
        if (parts.Count == 0)
        {
            throw new TemplateException(prefix, $"channel '{channel.ToWire()}' has no parts");
        }

        RequireParts(channel, parts, prefix);

        foreach (var (path, source) in TemplateParts.StringLeaves(parts))
        {
            try
            {
                HandlebarsEnvironments.Default.Compile(source, escapeHtml: false);
            }
            catch (HandlebarsException ex)
            {
                throw new TemplateException($"{prefix}.{path}", $"template does not compile: {ex.Message}");
            }
        }
    }

    private static void RequireParts(Channel channel, JsonObject parts, string prefix)
    {
        switch (channel)
        {
            case Channel.Push:
                RequireString(parts, prefix, "title");
                RequireString(parts, prefix, "body");
                break;
            case Channel.Email:
                RequireString(parts, prefix, "subject");
                RequireAnyString(parts, prefix, "html", "text");
                break;
            case Channel.Sms:
                RequireString(parts, prefix, "body");
                break;
            case Channel.InApp:
                RequireAnyString(parts, prefix, "title", "body");
                break;
            case Channel.Webhook:
                if (parts["payload"] is not JsonObject)
                {
                    throw new TemplateException($"{prefix}.payload", "'payload' is required and must be a JSON object");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(channel));
        }
    }

    private static void RequireString(JsonObject parts, string prefix, string name)
    {
        if (!IsString(parts, name))
        {
            throw new TemplateException($"{prefix}.{name}", $"'{name}' is required and must be a string");
        }
    }

    private static void RequireAnyString(JsonObject parts, string prefix, string first, string second)
    {
        if (!IsString(parts, first) && !IsString(parts, second))
        {
            throw new TemplateException($"{prefix}.{first}", $"at least one of '{first}' or '{second}' is required");
        }
    }

    private static bool IsString(JsonObject parts, string name) =>
        parts[name] is JsonValue value && value.TryGetValue<string>(out _);

    private static bool IsLocaleTag(string tag) => tag.Length is >= 2 and <= 35 && LocaleTagShape().IsMatch(tag);

    // Culture-ish, not full BCP 47: starts with a letter, hyphen-separated alphanumeric segments.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$")]
    private static partial Regex LocaleTagShape();
}
