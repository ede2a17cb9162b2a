using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

internal static class TemplatesEndpoints
{
    public static void MapTemplates(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/templates").WithTags("Templates");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeys.TemplatesWrite).Accepts<TemplateRequest>("application/json").Produces<TemplateCreatedResponse>(201).ProducesProblem(400);
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.NotificationsRead).Produces<TemplateListResponse>();
        group.MapGet("/{template_id}", GetAsync).RequireScope(ApiKeys.NotificationsRead).Produces<TemplateResponse>().ProducesProblem(404);
        group.MapPost("/{template_id}/versions/{version:int}/publish", PublishAsync).RequireScope(ApiKeys.TemplatesWrite).Produces<TemplateVersionResponse>().ProducesProblem(404);
        // Admin: the copy lands in another environment than the key's own, which only an admin key may act on.
        group.MapPost("/{template_id}/promote", PromoteAsync).RequireScope(ApiKeys.Admin).Accepts<TemplatePromoteRequest>("application/json")
            .Produces<TemplatePromotedResponse>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);
        group.MapPost("/{template_id}/preview", PreviewAsync).RequireScope(ApiKeys.NotificationsRead).Accepts<PreviewRequest>("application/json").Produces<PreviewResponse>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ITemplateStore store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.TemplateRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (Validate.Name("template_id", r.TemplateId) is { } bad)
        {
            return bad;
        }

        var document = Document(r);
        try
        {
            if (HeaderBreak(TemplateDocument.Parse(r.TemplateId!, 0, document), "") is { } broken)
            {
                return broken;
            }
        }
        catch (TemplateException ex)
        {
            return Problems.Validation(ex.Field, ex.Message);
        }

        var version = await store.AddTemplateVersionAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), r.TemplateId!, r.Description, document.ToJsonString(), time.GetUtcNow(), ct);
        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.TemplateCreated, r.TemplateId!, new JsonObject { ["version"] = version });
        return TypedResults.Created($"/api/v1/templates/{r.TemplateId}", new TemplateCreatedResponse(r.TemplateId!, version, "draft"));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ITemplateStore store, CancellationToken ct) =>
        TypedResults.Ok(new TemplateListResponse([.. (await store.ListLatestTemplatesAsync(AuthSchemes.EnvironmentOf(http.User), ct)).Select(t => ToResponse(t, withDefinition: false))]));

    private static async Task<IResult> GetAsync(string template_id, HttpContext http, ITemplateStore store, CancellationToken ct)
    {
        var versions = await store.GetTemplateVersionsAsync(AuthSchemes.EnvironmentOf(http.User), template_id, ct);
        if (versions.Count == 0)
        {
            return Problems.NotFound("template", template_id);
        }

        var published = versions.LastOrDefault(v => v.Published)?.Version;
        return TypedResults.Ok(new TemplateResponse(template_id, versions[^1].Version, published, [.. versions.Select(v => ToResponse(v, withDefinition: true))]));
    }

    private static async Task<IResult> PublishAsync(string template_id, int version, HttpContext http, ITemplateStore store, ITemplateLibraryStore library, TemplateCatalog catalog,
        AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (await store.GetTemplateVersionAsync(environment, template_id, version, ct) is not { } stored)
        {
            return Problems.NotFound("template version", $"{template_id} v{version}");
        }

        // What it sends with must exist when it starts to be sent: the partials its parts name and the layout it names.
        try
        {
            TemplateLibraryChecks.CheckPublishable(await TemplateLibraries.LoadAsync(library, environment, ct), TemplateDocument.Parse(stored.TemplateId, stored.Version, stored.Definition));
        }
        catch (TemplateException ex) when (ex.Kind is not null)
        {
            return TemplateLibraryProblems.Of(ex);
        }

        if (!await store.PublishTemplateAsync(environment, template_id, version, time.GetUtcNow(), ct))
        {
            return Problems.NotFound("template version", $"{template_id} v{version}");
        }

        catalog.Published(environment, template_id);
        await audit.RecordAsync(http, Core.Audit.AuditActions.TemplatePublished, template_id, new JsonObject { ["version"] = version });

        return TypedResults.Ok(ToResponse((await store.GetTemplateVersionAsync(environment, template_id, version, ct))!, withDefinition: false));
    }

    private static async Task<IResult> PromoteAsync(string template_id, HttpRequest request, TemplatePromotion promotion, AuditTrail audit, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.TemplatePromoteRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (r.Version is < 1)
        {
            return Problems.Validation("version", $"'version' must be a version number (1 or more), got {r.Version}");
        }

        if (Validate.Name("to", r.To) is { } bad)
        {
            return bad;
        }

        var from = AuthSchemes.EnvironmentOf(request.HttpContext.User);
        var result = await promotion.PromoteAsync(from, template_id, r.Version, r.To!, ct);
        switch (result.Outcome)
        {
            case TemplatePromotion.Outcome.UnknownEnvironment:
                return Problems.NotFound("environment", r.To!);
            case TemplatePromotion.Outcome.UnknownTemplate:
                return Problems.NotFound("template", template_id);
            case TemplatePromotion.Outcome.UnknownVersion:
                return Problems.NotFound("template version", $"{template_id} v{r.Version}");
            case TemplatePromotion.Outcome.NotPublished:
                return Problems.Unprocessable("template-not-published", "version", $"template '{template_id}' has no published version to promote; name the version to copy");
        }

        var (source, copy) = (result.Source!, result.Copy!);
        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.TemplatePromoted, template_id,
            new JsonObject { ["from"] = from, ["version"] = source.Version, ["to"] = r.To, ["to_version"] = copy.Version });
        return TypedResults.Created($"/api/v1/templates/{template_id}",
            new TemplatePromotedResponse(template_id, copy.Version, "draft", r.To!, from, source.Version, copy.CreatedAt));
    }

    private static async Task<IResult> PreviewAsync(string template_id, HttpRequest request, ITemplateStore store, TemplateLibraries libraries, TemplateRenderer renderer,
        CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.PreviewRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (r.Version is < 1)
        {
            return Problems.Validation("version", $"'version' must be a version number (1 or more), got {r.Version}");
        }

        Channel? only = null;
        if (r.Channel is not null)
        {
            if (!ChannelNames.TryParseChannel(r.Channel, out var c))
            {
                return Problems.Validation("channel", $"unknown channel '{r.Channel}'");
            }

            only = c;
        }

        TemplateDefinition template;
        if (r.Definition is { } draft)
        {
            // A draft is any template the caller cares to write, rendered on this server: the scope that may store one.
            if (!Auth.CallerAllows(request.HttpContext, ApiKeys.TemplatesWrite))
            {
                return Auth.Forbidden(ApiKeys.TemplatesWrite);
            }

            // An unsaved draft (the dashboard's editor): the document a create would store, rendered and stored nowhere.
            try
            {
                template = TemplateDocument.Parse(template_id, 0, Document(draft));
                if (HeaderBreak(template, "definition.") is { } broken)
                {
                    return broken;
                }
            }
            catch (TemplateException ex)
            {
                return Problems.Validation("definition." + ex.Field, ex.Message);
            }
        }
        else
        {
            var environment = AuthSchemes.EnvironmentOf(request.HttpContext.User);
            var versions = await store.GetTemplateVersionsAsync(environment, template_id, ct);
            var stored = r.Version is { } v ? versions.FirstOrDefault(x => x.Version == v) : (versions.Count == 0 ? null : versions[^1]);
            if (stored is null)
            {
                return Problems.NotFound("template version", r.Version is null ? template_id : $"{template_id} v{r.Version}");
            }

            // The renderer caches compiled parts per environment, template and version: this one is the request's environment's.
            template = TemplateDocument.Parse(stored.TemplateId, stored.Version, stored.Definition) with { EnvironmentId = environment };
        }

        if (only is { } wanted && !template.Channels.ContainsKey(wanted))
        {
            return Problems.Unprocessable("channel-not-in-template", "channel", $"template '{template_id}' v{template.Version} has no {wanted.ToWire()} part");
        }

        // As a send renders it: with the environment's layouts and partials, in the recipient's locale and time zone.
        var recipient = new TemplateRenderContext(r.Locale, r.TimeZone, await libraries.GetAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), ct));
        var result = new JsonObject();
        try
        {
            foreach (var channel in only is { } one ? [one] : template.Channels.Keys.ToList())
            {
                result[channel.ToWire()] = renderer.Render(template, channel, r.Data ?? [], recipient);
            }
        }
        catch (TemplateException ex) when (ex.Budget is not null)
        {
            return Problems.Unprocessable("render-budget-exceeded", ex.Field, ex.Message);
        }
        catch (TemplateException ex)
        {
            return Problems.Unprocessable(ex.Kind ?? "missing-template-variable", ex.Field, ex.Message);
        }

        return TypedResults.Ok(new PreviewResponse(template_id, template.Version, r.Locale, result));
    }

    /// <summary>The stored template document of a create request (or of a draft being previewed).</summary>
    private static JsonObject Document(TemplateRequest r)
    {
        var document = new JsonObject
        {
            ["variables"] = new JsonArray([.. (r.Variables ?? []).Select(v => (JsonNode?)JsonValue.Create(v))]),
            ["channels"] = r.Channels?.DeepClone(),
            ["locales"] = r.Locales?.DeepClone(),
        };
        // Only when given, so documents of templates without it stay as they were (the CLI compares them).
        if (r.Dedup is { } dedup)
        {
            var node = new JsonObject();
            if (dedup.Window is not null)
            {
                node["window"] = dedup.Window;
            }

            if (dedup.Urgent is { } urgent)
            {
                node["urgent"] = urgent;
            }

            document["dedup"] = node;
        }

        // Validated with the rest of the document (TemplateFallback.Parse), so a bad chain answers naming fallback.chain[i].
        if (r.Fallback is { } fallback)
        {
            document["fallback"] = fallback.DeepClone();
        }

        // Absent: the environment's default layout; null: none; anything else is validated by TemplateDocument.Parse.
        if (r.Layout.ValueKind != System.Text.Json.JsonValueKind.Undefined)
        {
            document["layout"] = JsonNode.Parse(r.Layout.GetRawText());
        }

        return document;
    }

    private static TemplateVersionResponse ToResponse(StoredTemplate t, bool withDefinition)
    {
        var definition = JsonNode.Parse(t.Definition) as JsonObject;
        var dedup = TemplateDedup.FromStored(definition?["dedup"]?.ToJsonString());
        return new(t.TemplateId, t.Version, t.Published ? "published" : "draft", t.Description, t.CreatedAt, t.PublishedAt, withDefinition ? definition : null,
            dedup is null ? null : new TemplateDedupDto(dedup.Window is { } w ? System.Xml.XmlConvert.ToString(w) : null, dedup.Urgent),
            definition?["fallback"] is JsonObject fallback ? (JsonObject)fallback.DeepClone() : null);
    }

    /// <summary>
    /// An email subject becomes a header, so a new or drafted template writes it on one line. Rendered data is folded to one
    /// line when the email is composed (a value cannot inject a header); a break written into the template is refused here,
    /// where its author sees why. Checked on create and draft preview only, so versions stored before still load.
    /// </summary>
    private static ProblemHttpResult? HeaderBreak(TemplateDefinition template, string prefix)
    {
        var parts = template.Channels.Select(c => (Path: $"channels.{c.Key.ToWire()}", Channel: c.Key, Parts: c.Value))
            .Concat(template.Locales.SelectMany(l => l.Value.Select(c => (Path: $"locales.{l.Key}.{c.Key.ToWire()}", Channel: c.Key, Parts: c.Value))));
        foreach (var (path, channel, values) in parts)
        {
            if (channel == Channel.Email && values["subject"] is JsonValue subject && subject.TryGetValue<string>(out var text) && text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                return Problems.Validation($"{prefix}{path}.subject", "'subject' becomes an email header and must be one line (no CR or LF)");
            }
        }

        return null;
    }
}
