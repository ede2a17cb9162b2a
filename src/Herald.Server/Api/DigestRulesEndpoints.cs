using System.Xml;
using Herald.Core.Audit;
using Herald.Core.Digests;
using Herald.Core.Templates;

namespace Herald.Server.Api;

internal static class DigestRulesEndpoints
{
    public const int MaxItemsLimit = 1000;

    public static void MapDigestRules(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/digest-rules").WithTags("Digests");
        group.MapPut("/{event_type}", PutAsync).RequireScope(ApiKeys.TemplatesWrite).Accepts<DigestRuleRequest>("application/json").Produces<DigestRuleResponse>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(422)
            .WithSummary("Batches an event type into digests (window, maximum, grouping key, digest template) and/or folds its rate-limited emails");
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.NotificationsRead).Produces<DigestRuleList>();
        group.MapGet("/{event_type}", GetAsync).RequireScope(ApiKeys.NotificationsRead).Produces<DigestRuleResponse>().ProducesProblem(404);
        group.MapDelete("/{event_type}", DeleteAsync).RequireScope(ApiKeys.TemplatesWrite).Produces(204).ProducesProblem(404);
    }

    private static async Task<IResult> PutAsync(string event_type, HttpRequest request, IDigestStore store, DigestRules rules, TemplateCatalog templates, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.DigestRuleRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (Validate.Name("event_type", event_type) is { } nameProblem)
        {
            return nameProblem;
        }

        var batch = r.Batch ?? true;
        if (!batch && r.FoldRateLimited != true)
        {
            return Problems.Validation("batch", "a rule must batch ('batch': true) or fold rate-limited emails ('fold_rate_limited': true), or both");
        }

        var window = TimeSpan.FromMinutes(5);
        if ((r.Window is not null || batch) && (!Validate.TryDuration(r.Window, out window) || window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(7)))
        {
            return Problems.Validation("window", $"'window' must be an ISO 8601 duration between PT1S and P7D (for example PT5M); got '{r.Window}'");
        }

        if (r.MaxItems is < 1 or > MaxItemsLimit)
        {
            return Problems.Validation("max_items", $"'max_items' must be between 1 and {MaxItemsLimit}");
        }

        if (r.GroupBy is not null && (r.GroupBy.Length is 0 or > 128 || r.GroupBy.Split('.').Any(p => p.Length == 0)))
        {
            return Problems.Validation("group_by", "'group_by' must be a data field name or a dotted path such as post.id");
        }

        if (Validate.Name("template_id", r.TemplateId) is { } templateProblem)
        {
            return templateProblem;
        }

        // The rule's template is sent in the rule's environment: it must be published there.
        var environment = AuthSchemes.EnvironmentOf(request.HttpContext.User);
        var (lookup, _) = await templates.GetSendableAsync(environment, r.TemplateId!, null, ct);
        if (lookup == TemplateCatalog.Lookup.UnknownTemplate)
        {
            return Problems.Field(404, "unknown-template", "The template does not exist.", "template_id", $"template '{r.TemplateId}' does not exist");
        }

        if (lookup == TemplateCatalog.Lookup.Draft)
        {
            return Problems.Unprocessable("template-not-published", "template_id", $"template '{r.TemplateId}' has no published version");
        }

        var rule = new DigestRule(event_type, window, r.MaxItems ?? 100, r.GroupBy, r.TemplateId!, r.FoldRateLimited ?? false, batch);
        await store.UpsertRuleAsync(environment, rule, time.GetUtcNow(), ct);
        rules.Invalidate();
        await audit.RecordAsync(request.HttpContext, AuditActions.DigestRulePut, event_type, new System.Text.Json.Nodes.JsonObject { ["template_id"] = rule.TemplateId });
        return TypedResults.Ok(ToResponse(rule));
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDigestStore store, CancellationToken ct) =>
        TypedResults.Ok(new DigestRuleList([.. (await store.ListRulesAsync(AuthSchemes.EnvironmentOf(http.User), ct)).Select(ToResponse)]));

    private static async Task<IResult> GetAsync(string event_type, HttpContext http, IDigestStore store, CancellationToken ct) =>
        (await store.ListRulesAsync(AuthSchemes.EnvironmentOf(http.User), ct)).FirstOrDefault(r => r.EventType == event_type) is { } rule
            ? TypedResults.Ok(ToResponse(rule))
            : Problems.NotFound("digest rule", event_type);

    private static async Task<IResult> DeleteAsync(string event_type, HttpContext http, IDigestStore store, DigestRules rules, AuditTrail audit, CancellationToken ct)
    {
        if (!await store.DeleteRuleAsync(AuthSchemes.EnvironmentOf(http.User), event_type, ct))
        {
            return Problems.NotFound("digest rule", event_type);
        }

        rules.Invalidate();
        await audit.RecordAsync(http, AuditActions.DigestRuleDeleted, event_type);
        return TypedResults.NoContent();
    }

    private static DigestRuleResponse ToResponse(DigestRule r) =>
        new(r.EventType, XmlConvert.ToString(r.Window), r.MaxItems, r.GroupBy, r.TemplateId, r.FoldRateLimited, r.Batch);
}
