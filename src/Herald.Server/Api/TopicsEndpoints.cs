using Herald.Core.Audit;
using Herald.Core.Campaigns;

namespace Herald.Server.Api;

internal static class TopicsEndpoints
{
    public static void MapTopics(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/topics/{key}/subscribers").WithTags("Topics");
        group.MapPut("/{user_id}", SubscribeAsync).RequireScope(ApiKeys.UsersWrite).Produces(204).ProducesProblem(400)
            .WithSummary("Subscribes a user to a topic (idempotent)");
        group.MapDelete("/{user_id}", UnsubscribeAsync).RequireScope(ApiKeys.UsersWrite).Produces(204).ProducesProblem(400).ProducesProblem(404);
        group.MapGet("/", ListAsync).RequireScope(ApiKeys.NotificationsRead).Produces<TopicSubscribersPage>().ProducesProblem(400)
            .WithSummary("Subscribers in user id order; pass next_cursor as cursor for the next page");
    }

    private static async Task<IResult> SubscribeAsync(string key, string user_id, HttpContext http, ICampaignStore store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if ((Validate.Name("key", key) ?? Validate.Recipient("user_id", user_id)) is { } problem)
        {
            return problem;
        }

        await store.SubscribeAsync(AuthSchemes.EnvironmentOf(http.User), key, user_id, time.GetUtcNow(), ct);
        await audit.RecordAsync(http, AuditActions.TopicSubscribed, key, new System.Text.Json.Nodes.JsonObject { ["user_id"] = user_id });
        return TypedResults.NoContent();
    }

    private static async Task<IResult> UnsubscribeAsync(string key, string user_id, HttpContext http, ICampaignStore store, AuditTrail audit, CancellationToken ct)
    {
        if ((Validate.Name("key", key) ?? Validate.Id("user_id", user_id)) is { } problem)
        {
            return problem;
        }

        if (!await store.UnsubscribeAsync(AuthSchemes.EnvironmentOf(http.User), key, user_id, ct))
        {
            return Problems.NotFound("subscription", $"{key}/{user_id}");
        }

        await audit.RecordAsync(http, AuditActions.TopicUnsubscribed, key, new System.Text.Json.Nodes.JsonObject { ["user_id"] = user_id });
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListAsync(string key, string? limit, string? cursor, HttpContext http, ICampaignStore store, CancellationToken ct)
    {
        if (Validate.Name("key", key) is { } problem)
        {
            return problem;
        }

        var n = Validate.Limit(limit, 100, 1000);
        var page = await store.ListSubscribersAsync(AuthSchemes.EnvironmentOf(http.User), key, cursor, n, ct);
        return TypedResults.Ok(new TopicSubscribersPage(key, [.. page], page.Count == n ? page[^1] : null));
    }
}
