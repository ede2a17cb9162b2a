using Herald.Core.Audit;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Server.Api;

/// <summary>Email layouts of the key's environment; the one with id <c>default</c> wraps every email that names none.</summary>
internal static class LayoutsEndpoints
{
    public static void MapLayouts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/layouts").WithTags("Templates");
        group.MapPut("/{layout_id}", PutAsync).RequireScope(ApiKeys.TemplatesWrite).Accepts<LayoutRequest>("application/json").Produces<LayoutResponse>().Produces<LayoutResponse>(201)
            .ProducesProblem(400).ProducesProblem(422)
            .WithSummary("Creates or replaces an email layout (HTML with {{{body}}}, optional text); 'default' wraps every email that names no layout");
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.ContentRead).Produces<LayoutList>();
        group.MapGet("/{layout_id}", GetAsync).RequireScope(ApiKeys.ContentRead).Produces<LayoutResponse>().ProducesProblem(404);
        group.MapDelete("/{layout_id}", DeleteAsync).RequireScope(ApiKeys.TemplatesWrite).Produces(204).ProducesProblem(404);
    }

    private static async Task<IResult> PutAsync(string layout_id, HttpRequest request, ITemplateLibraryStore store, TemplateLibraries libraries, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.LayoutRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (Validate.Name("layout_id", layout_id) is { } bad)
        {
            return bad;
        }

        if (string.IsNullOrWhiteSpace(r.Html))
        {
            return Problems.Validation("html", "'html' is required: the layout's HTML with {{{body}}} where the email's HTML goes");
        }

        var environment = AuthSchemes.EnvironmentOf(request.HttpContext.User);
        try
        {
            TemplateLibraryChecks.CheckLayout(await TemplateLibraries.LoadAsync(store, environment, ct), r.Html, r.Text);
        }
        catch (TemplateException ex)
        {
            return TemplateLibraryProblems.Of(ex);
        }

        var layout = new StoredLayout(layout_id, r.Description, r.Html, r.Text, StoredTime.Now(time));
        var created = await store.PutLayoutAsync(environment, layout, ct);
        libraries.Changed(environment);
        await audit.RecordAsync(request.HttpContext, AuditActions.LayoutPut, layout_id);
        return created ? TypedResults.Created($"/api/v1/layouts/{layout_id}", ToResponse(layout)) : TypedResults.Ok(ToResponse(layout));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ITemplateLibraryStore store, CancellationToken ct) =>
        TypedResults.Ok(new LayoutList([.. (await store.ListLayoutsAsync(AuthSchemes.EnvironmentOf(http.User), ct)).Select(ToResponse)]));

    private static async Task<IResult> GetAsync(string layout_id, HttpContext http, ITemplateLibraryStore store, CancellationToken ct) =>
        await store.GetLayoutAsync(AuthSchemes.EnvironmentOf(http.User), layout_id, ct) is { } layout ? TypedResults.Ok(ToResponse(layout)) : Problems.NotFound("layout", layout_id);

    private static async Task<IResult> DeleteAsync(string layout_id, HttpContext http, ITemplateLibraryStore store, TemplateLibraries libraries, AuditTrail audit, CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (!await store.DeleteLayoutAsync(environment, layout_id, ct))
        {
            return Problems.NotFound("layout", layout_id);
        }

        libraries.Changed(environment);
        await audit.RecordAsync(http, AuditActions.LayoutDeleted, layout_id);
        return TypedResults.NoContent();
    }

    private static LayoutResponse ToResponse(StoredLayout l) =>
        new(l.LayoutId, l.Description, l.Html, l.Text, l.LayoutId == TemplateLibrary.DefaultLayoutId, l.UpdatedAt);
}
