using System.Globalization;
using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

internal static class CampaignsEndpoints
{
    public const int MaxRecipientsPerRequest = 100_000;
    public const double MaxRate = 10_000;

    public static void MapCampaigns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/campaigns").WithTags("Campaigns");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeys.NotificationsSend).Accepts<CampaignRequest>("application/json").Produces<CampaignResponse>(201).Produces<CampaignResponse>(200)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(422)
            .WithSummary("Creates a campaign to a topic or a list of recipients, paced and scheduled, in the low lane");
        group.MapPost("/{id}/recipients", AddRecipientsAsync).RequireScope(ApiKeys.NotificationsSend).Accepts<CampaignRecipientsRequest>("application/json")
            .Produces<CampaignRecipientsResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413);
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeys.NotificationsRead).Produces<CampaignResponse>().ProducesProblem(404);
        group.MapPost("/{id}/pause", PauseAsync).RequireScope(ApiKeys.NotificationsSend).Produces<CampaignResponse>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/resume", ResumeAsync).RequireScope(ApiKeys.NotificationsSend).Produces<CampaignResponse>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/cancel", CancelAsync).RequireScope(ApiKeys.NotificationsSend).Produces<CampaignResponse>().ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, CampaignService campaigns, ICampaignStore store, TimeProvider time, IOptions<IngestOptions> options,
        CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.CampaignRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var now = time.GetUtcNow();
        if ((r.Topic is null) == (r.RecipientIds is null))
        {
            return Problems.Validation("topic", "give exactly one audience: 'topic' or 'recipient_ids'");
        }

        if (r.Topic is not null && Validate.Name("topic", r.Topic) is { } topicProblem)
        {
            return topicProblem;
        }

        if (r.RecipientIds is { } ids && Recipients(ids) is { } idsProblem)
        {
            return idsProblem;
        }

        if (r.Rate is { } rate && (double.IsNaN(rate) || rate <= 0 || rate > MaxRate))
        {
            return Problems.Validation("rate", $"'rate' is notifications per second, more than 0 and at most {MaxRate}");
        }

        if (Validate.Name("name", r.Name, required: false) is { } nameProblem)
        {
            return nameProblem;
        }

        if (CampaignSchedule.Parse(r.ScheduledAt, now) is not { } schedule)
        {
            return Problems.Validation("scheduled_at", "'scheduled_at' must be an RFC 3339 instant (2026-12-01T09:00:00Z), a local time on a date (2026-12-01T09:00 local) or a daily local time (09:00 local)");
        }

        var (cmd, problem) = NotificationsEndpoints.Command(request,
            new NotificationsEndpoints.Common(r.EventType, "low", r.Channels, r.TemplateId, r.TemplateVersion, r.Data, r.IdempotencyKey, schedule.At, r.ExpiresAt),
            null, [], isBatch: false, body.Hash);
        if (problem is not null)
        {
            return problem;
        }

        // The campaign stores data once, but its release copies it into each recipient's notification: the same expansion
        // as a batch. A topic's audience is not the request's to multiply, so only an explicit list is counted.
        var recipients = r.RecipientIds?.Distinct(StringComparer.Ordinal).ToList();
        if (recipients is not null && BatchExpansion.Check(recipients.Count, r.Data, options.Value.MaxBatchExpandedBytes) is { } tooLarge)
        {
            return tooLarge;
        }

        var (ingestProblem, created) = await campaigns.CreateAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), CampaignKinds.Campaign, r.Name, r.Topic, recipients,
            cmd!, schedule, r.Rate, ct);
        if (ingestProblem is not null)
        {
            return NotificationsEndpoints.Answer(ingestProblem);
        }

        var response = await ResponseAsync(created!.Campaign, store, ct);
        if (created.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Ok(response);
        }

        return TypedResults.Created($"/api/v1/campaigns/{response.Id}", response);
    }

    /// <summary>A topic send (<c>POST /api/v1/notifications</c> with <c>topic</c>): a campaign released at once, unpaced, at the request's priority.</summary>
    internal static async Task<IResult> TopicSendAsync(HttpRequest request, SendRequest r, NotificationsEndpoints.Common common, string hash, CampaignService campaigns, CancellationToken ct)
    {
        if (r.RecipientId is not null)
        {
            return Problems.Validation("topic", "give either 'recipient_id' or 'topic', not both");
        }

        var (cmd, problem) = NotificationsEndpoints.Command(request, common, Validate.Name("topic", r.Topic), [], isBatch: false, hash);
        if (problem is not null)
        {
            return problem;
        }

        var schedule = new CampaignSchedule(r.ScheduledAt, null, null);
        var (ingestProblem, created) = await campaigns.CreateAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), CampaignKinds.TopicSend, null, r.Topic, null, cmd!, schedule,
            null, ct);
        if (ingestProblem is not null)
        {
            return NotificationsEndpoints.Answer(ingestProblem);
        }

        if (created!.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted($"/api/v1/campaigns/{created.Campaign.Id}", new TopicSendAcceptedResponse(created.Campaign.Id, r.Topic!, "accepted"));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Recipients(List<string> ids)
    {
        if (ids.Count > MaxRecipientsPerRequest)
        {
            return Problems.Validation("recipient_ids", $"at most {MaxRecipientsPerRequest} recipients per request; add more with POST /api/v1/campaigns/{{id}}/recipients");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            if (Validate.Recipient($"recipient_ids[{i}]", ids[i]) is { } bad)
            {
                return bad;
            }
        }

        return null;
    }

    private static async Task<IResult> AddRecipientsAsync(string id, HttpRequest request, ICampaignStore store, IOptions<IngestOptions> options, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.CampaignRecipientsRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (body.Value!.RecipientIds is not { Count: > 0 } ids)
        {
            return Problems.Validation("recipient_ids", "'recipient_ids' must list at least one recipient");
        }

        if (Recipients(ids) is { } problem)
        {
            return problem;
        }

        var environment = AuthSchemes.EnvironmentOf(request.HttpContext.User);
        if (await store.GetCampaignAsync(environment, id, ct) is not { } campaign)
        {
            return Problems.NotFound("campaign", id);
        }

        if (BatchExpansion.Check(ids.Distinct(StringComparer.Ordinal).Count(), campaign.Message.Data, options.Value.MaxBatchExpandedBytes) is { } tooLarge)
        {
            return tooLarge;
        }

        return await store.AddRecipientsAsync(environment, id, ids, ct) is { } added
            ? TypedResults.Ok(new CampaignRecipientsResponse(id, added))
            : Problems.Conflict("campaign-started", $"campaign '{id}' has started releasing (or targets a topic): its recipient list is fixed");
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, ICampaignStore store, CancellationToken ct) =>
        await store.GetCampaignAsync(AuthSchemes.EnvironmentOf(http.User), id, ct) is { } c ? TypedResults.Ok(await ResponseAsync(c, store, ct)) : Problems.NotFound("campaign", id);

    private static Task<IResult> PauseAsync(string id, HttpContext http, ICampaignStore store, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, http, store, () => store.PauseAsync(AuthSchemes.EnvironmentOf(http.User), id, time.GetUtcNow(), ct), "is not running (paused, cancelled or unknown state)",
            () => audit.RecordAsync(http, Core.Audit.AuditActions.CampaignPaused, id), ct);

    private static Task<IResult> ResumeAsync(string id, HttpContext http, ICampaignStore store, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, http, store, async () =>
        {
            var environment = AuthSchemes.EnvironmentOf(http.User);
            var campaign = await store.GetCampaignAsync(environment, id, ct);
            var slot = campaign?.Rate is { } rate and > 0 ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.Zero;
            return await store.ResumeAsync(environment, id, slot, time.GetUtcNow(), ct);
        }, "is not paused", () => audit.RecordAsync(http, Core.Audit.AuditActions.CampaignResumed, id), ct);

    private static Task<IResult> CancelAsync(string id, HttpContext http, ICampaignStore store, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, http, store, async () => await store.CancelAsync(AuthSchemes.EnvironmentOf(http.User), id, time.GetUtcNow(), ct) is not null, "is already cancelled",
            () => audit.RecordAsync(http, Core.Audit.AuditActions.CampaignCancelled, id), ct);

    private static async Task<IResult> ChangeAsync(string id, HttpContext http, ICampaignStore store, Func<Task<bool>> change, string refused, Func<Task> record,
        CancellationToken ct)
    {
        var environment = AuthSchemes.EnvironmentOf(http.User);
        if (await store.GetCampaignAsync(environment, id, ct) is null)
        {
            return Problems.NotFound("campaign", id);
        }

        if (!await change())
        {
            return Problems.Conflict("campaign-state", $"campaign '{id}' {refused}");
        }

        await record();

        return TypedResults.Ok(await ResponseAsync((await store.GetCampaignAsync(environment, id, ct))!, store, ct));
    }

    private static async Task<CampaignResponse> ResponseAsync(Campaign c, ICampaignStore store, CancellationToken ct)
    {
        var p = await store.GetProgressAsync(c, ct);
        var scheduled = c.Schedule.LocalSpec ?? (c.Schedule.At ?? c.CreatedAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new CampaignResponse(c.Id, c.Kind, c.Name, c.Status, c.Topic, c.Message.EventType, c.Message.Priority.ToWire(), scheduled, c.Rate, c.CreatedAt,
            new CampaignProgressResponse(p.Total, p.Released, p.Planned, p.Sent, p.Delivered, p.Failed, p.Suppressed, p.Deferred, p.Cancelled, p.Expired, p.Paused));
    }
}
