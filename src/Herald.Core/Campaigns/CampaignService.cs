using System.Security.Cryptography;
using System.Text;
using Herald.Core.Ingest;
using Herald.Core.Pipeline;

namespace Herald.Core.Campaigns;

/// <summary>Creates topic sends and campaigns: the same template checks as a send, then one stored row the releaser works from.</summary>
public sealed class CampaignService(ICampaignStore store, IngestService ingest, TimeProvider time)
{
    /// <summary>How long before its first recipient is due a campaign starts releasing (its audience is read then).</summary>
    public static readonly TimeSpan ReleaseAhead = TimeSpan.FromMinutes(5);

    public sealed record Created(Campaign Campaign, bool Replayed);

    /// <summary>
    /// Validates and stores a campaign of <paramref name="environmentId"/> (its template is that environment's). With an
    /// idempotency key the id is derived from it and the environment, so a retry finds the first campaign
    /// (<see cref="Created.Replayed"/>) instead of creating a second, and the same key in another environment is another campaign.
    /// </summary>
    public async Task<(IngestResult.Problem? Problem, Created? Result)> CreateAsync(string environmentId, string kind, string? name, string? topic, IReadOnlyList<string>? recipients,
        SendCommand cmd, CampaignSchedule schedule, double? rate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        ArgumentNullException.ThrowIfNull(schedule);
        var (problem, version) = await ingest.CheckTemplateAsync(environmentId, cmd, ct);
        if (problem is not null)
        {
            return (problem, null);
        }

        var now = time.GetUtcNow();
        // The default environment's ids stay as they were before environments, so a retry across the upgrade still finds its campaign.
        var scope = environmentId == Domain.Environments.Default ? "" : environmentId + "\n";
        var id = cmd.IdempotencyKey is { } key
            ? "cmp_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope + kind + "\n" + key)), 0, 16)
            : Ids.New("cmp", time);
        var message = new CampaignMessage(cmd.EventType, cmd.TemplateId, version, cmd.Channels, cmd.Data.ToJsonString(), cmd.Priority, cmd.Options);
        var earliest = schedule.EarliestDue(now);
        var start = schedule.IsLocal && schedule.LocalDate is null ? now : (earliest - ReleaseAhead > now ? earliest - ReleaseAhead : now);
        var campaign = new Campaign(id, kind, name, topic, message, schedule, start, rate, CampaignStatus.Scheduled, null, 0, false, now, environmentId);
        if (await store.CreateCampaignAsync(campaign, recipients, now, ct))
        {
            return (null, new Created(campaign, false));
        }

        return (null, new Created(await store.GetCampaignAsync(environmentId, id, ct) ?? campaign, true));
    }
}
