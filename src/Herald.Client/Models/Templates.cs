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

internal sealed record TemplatePromoteRequest(int? Version, string To);

/// <summary>The draft a promotion made in <see cref="Environment"/>: a copy of <see cref="FromVersion"/> of <see cref="FromEnvironment"/>; publish it there to use it.</summary>
public sealed record TemplatePromoted(string TemplateId, int Version, string Status, string Environment, string FromEnvironment, int FromVersion, DateTimeOffset CreatedAt);

/// <summary>
/// What to render: a stored <see cref="Version"/> (null: the latest), or an unsaved <see cref="Definition"/> (its TemplateId is
/// ignored: the path's is used); one <see cref="Channel"/> or every one the template has; for a recipient of <see cref="Locale"/>
/// and <see cref="TimeZone"/> (an IANA id, the formatting helpers' time zone; default UTC).
/// </summary>
public sealed record TemplatePreviewRequest
{
    public int? Version { get; init; }

    public Channel? Channel { get; init; }

    public string? Locale { get; init; }

    public JsonObject? Data { get; init; }

    public CreateTemplateRequest? Definition { get; init; }

    public string? TimeZone { get; init; }
}

/// <summary>A template rendered as a send would render it: <see cref="Channels"/> holds each channel's content by its wire name (<c>in_app</c>, <c>email</c>…).</summary>
public sealed record TemplatePreview(string TemplateId, int Version, string? Locale, JsonObject Channels);
