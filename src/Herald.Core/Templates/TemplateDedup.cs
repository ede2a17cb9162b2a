using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// A template's content-dedup setting, stored in its document as <c>"dedup": {"window": "PT1H", "urgent": true}</c> and
/// read by the gate for the event type of the same name. A null member falls back to <c>Herald:Pipeline</c>
/// (<c>DedupWindow</c>, <c>DedupUrgent</c>); a zero window turns content dedup off for the event type.
/// </summary>
public sealed record TemplateDedup(TimeSpan? Window, bool? Urgent)
{
    /// <summary>The longest window a template may ask for: the gate loads a recipient's sends over it at every claim.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    /// <summary>Parses and validates the <c>dedup</c> member of a template document (null when absent).</summary>
    public static TemplateDedup? Parse(JsonNode? node, string path = "dedup")
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            throw new TemplateException(path, "dedup must be an object {\"window\": \"PT10M\", \"urgent\": false}");
        }

        TimeSpan? window = null;
        if (obj["window"] is { } w)
        {
            if (w is not JsonValue value || !value.TryGetValue<string>(out var text) || !IsoDuration.TryParse(text, out var parsed) || parsed < TimeSpan.Zero || parsed > MaxWindow)
            {
                throw new TemplateException($"{path}.window", "dedup window must be an ISO 8601 duration from PT0S (off) to P1D, e.g. PT1H");
            }

            window = parsed;
        }

        bool? urgent = null;
        if (obj["urgent"] is { } u)
        {
            if (u is not JsonValue value || !value.TryGetValue<bool>(out var flag))
            {
                throw new TemplateException($"{path}.urgent", "dedup urgent must be true or false");
            }

            urgent = flag;
        }

        foreach (var (name, _) in obj)
        {
            if (name is not ("window" or "urgent"))
            {
                throw new TemplateException($"{path}.{name}", $"unknown dedup setting '{name}'; expected window or urgent");
            }
        }

        return window is null && urgent is null ? null : new TemplateDedup(window, urgent);
    }

    /// <summary>The stored <c>dedup</c> member of a template document (as JSON text), or null when it is missing or unreadable.</summary>
    public static TemplateDedup? FromStored(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return Parse(JsonNode.Parse(json));
        }
        catch (Exception ex) when (ex is TemplateException or System.Text.Json.JsonException)
        {
            // Validated when the version was created; a document edited by hand in the database must not stop claims.
            return null;
        }
    }
}
