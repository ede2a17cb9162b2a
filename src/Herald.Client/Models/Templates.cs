using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Client;

/// <summary>A new template version: per-channel content in <see cref="Channels"/> (e.g. <c>{"in_app": {"title": "...", "body": "..."}}</c>).</summary>
public sealed record CreateTemplateRequest(string TemplateId, JsonObject Channels)
{
    public string? Description { get; init; }

    public IReadOnlyList<string>? Variables { get; init; }

    public JsonObject? Locales { get; init; }

    public TemplateDedup? Dedup { get; init; }

    /// <summary>The fallback chain, as docs/openapi.json describes it (checked by the server).</summary>
    public JsonNode? Fallback { get; init; }

    /// <summary>The email layout: a layout id (a JSON string), or a JSON null for none; left null here, the environment's default layout.</summary>
    public JsonElement? Layout { get; init; }
}

public sealed record TemplateDedup(string? Window, bool? Urgent);

public sealed record TemplateCreated(string TemplateId, int Version, string Status);

public sealed record Template(string TemplateId, int LatestVersion, int? PublishedVersion, IReadOnlyList<TemplateVersion> Versions);

public sealed record TemplateVersion(string TemplateId, int Version, string Status, string? Description, DateTimeOffset CreatedAt,
    DateTimeOffset? PublishedAt, JsonObject? Definition, TemplateDedup? Dedup, JsonElement? Fallback);
internal sealed record TemplateList(IReadOnlyList<TemplateVersion> Templates);
