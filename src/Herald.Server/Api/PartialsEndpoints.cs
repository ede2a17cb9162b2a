using Herald.Core.Audit;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Server.Api;

/// <summary>Partials of the key's environment: snippets any template part or layout of it uses as <c>{{> name}}</c>.</summary>
internal static class PartialsEndpoints
{
    public static void MapPartials(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partials").WithTags("Templates");
        group.MapPut("/{name}", PutAsync).RequireScope(ApiKeys.TemplatesWrite).Accepts<PartialRequest>("application/json").Produces<PartialResponse>().Produces<PartialResponse>(201)
            .ProducesProblem(400).ProducesProblem(422)
            .WithSummary("Creates or replaces a partial, used as {{> name}} in any template part or layout of the environment");
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.ContentRead).Produces<PartialList>();
        group.MapGet("/{name}", GetAsync).RequireScope(ApiKeys.ContentRead).Produces<PartialResponse>().ProducesProblem(404);
        group.MapDelete("/{name}", DeleteAsync).RequireScope(ApiKeys.TemplatesWrite).Produces(204).ProducesProblem(404);
    }

    private static async Task<IResult> PutAsync(string name, HttpRequest request, ITemplateLibraryStore store, TemplateLibraries libraries, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.PartialRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (!TemplateLibrary.IsPartialName(name))
        {
            return Problems.Validation("name", "a partial's name must be 1-64 characters of letters, digits, '_' or '-'");
        }

        var source = body.Value!.Source;
        if (source is null)
        {
            return Problems.Validation("source", "'source' is required");
        }

        var environment = AuthSchemes.EnvironmentOf(request.HttpContext.User);
        try
        {
            TemplateLibraryChecks.CheckPartial(await TemplateLibraries.LoadAsync(store, environment, ct), name, source);
        }
        catch (TemplateException ex)
        {
            return TemplateLibraryProblems.Of(ex);
        }

        var partial = new StoredPartial(name, source, StoredTime.Now(time));
        var created = await store.PutPartialAsync(environment, partial, ct);
        libraries.Changed(environment);
        await audit.RecordAsync(request.HttpContext, AuditActions.PartialPut, name);
        return created ? TypedResults.Created($"/api/v1/partials/{name}", ToResponse(partial)) : TypedResults.Ok(ToResponse(partial));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ITemplateLibraryStore store, CancellationToken ct) =>
        TypedResults.Ok(new PartialList([.. (await store.ListPartialsAsync(AuthSchemes.EnvironmentOf(http.User), ct)).Select(ToResponse)]));

    private static async Task<IResult> GetAsync(string name, HttpContext http, ITemplateLibraryStore store, CancellationToken ct) =>
        await store.GetPartialAsync(AuthSchemes.EnvironmentOf(http.User), name, ct) is { } partial ? TypedResults.Ok(ToResponse(partial)) : Problems.NotFound("partial", name);

    private static async Task<IResult> DeleteAsync(string name, HttpContext http, ITemplateLibraryStore store, TemplateLibraries libraries, AuditTrail audit, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await store.DeletePartialAsync(environment, name, ct))
        {
            return Problems.NotFound("partial", name);
        }

        libraries.Changed(environment);
        await audit.RecordAsync(http, AuditActions.PartialDeleted, name);
        return TypedResults.NoContent();
    }

    private static PartialResponse ToResponse(StoredPartial p) => new(p.Name, p.Source, p.UpdatedAt);
}
