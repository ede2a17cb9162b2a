using System.Text.Json.Nodes;
using Herald.Core.Audit;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary><c>GET /api/v1/audit</c>: the audit log of operator actions, newest first (admin keys only: it shows who did what).</summary>
internal static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/audit", ListAsync).WithTags("Audit").RequireScope(ApiKeys.Admin).Produces<AuditPage>().ProducesProblem(400)
            .WithSummary("Operator actions, newest first, filtered by action, actor (API key id), target and time (from/to, RFC 3339, inclusive); pass next_cursor as cursor for the next page");

    private static async Task<IResult> ListAsync(string? action, string? actor, string? target, string? from, string? to, string? limit, string? cursor,
        IAuditStore store, CancellationToken ct)
    {
        if (action is not null && !AuditActions.IsKnown(action))
        {
            return Problems.Validation("action", $"'{action}' is not an audited action; use one of {string.Join(", ", AuditActions.All)}");
        }

        if (Validate.Timestamp("from", from, out var fromAt) is { } badFrom)
        {
            return badFrom;
        }

        if (Validate.Timestamp("to", to, out var toAt) is { } badTo)
        {
            return badTo;
        }

        var n = Validate.Limit(limit);
        var page = await store.ListAuditAsync(new AuditSearch(action, actor, target, fromAt, toAt), n, cursor, ct);
        return TypedResults.Ok(new AuditPage([.. page.Select(Response)], page.Count == n ? page[^1].Id : null));
    }

    private static AuditEntryResponse Response(AuditEntry e) =>
        new(e.Id, e.At, e.Actor, e.Action, e.Target, e.Details is null ? null : JsonNode.Parse(e.Details), e.TraceId);
}
