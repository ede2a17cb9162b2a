using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Campaigns;

/// <summary>
/// Turns campaigns and topic sends into notifications, one chunk of the audience per transaction (the cursor moves in the
/// same transaction, so a crash resumes after the last committed chunk and no recipient gets two). Pacing is done with due
/// times, not with this loop's speed: the n-th recipient of a campaign at rate r is due n/r seconds after the start, so the
/// planner and the low lane send at the configured rate however fast the release ran. Runs in the scheduler role; a lease
/// keeps two processes off one campaign, and the cursor check makes a lost lease harmless.
/// </summary>
internal sealed partial class CampaignReleaser(ICampaignStore store, Signals signals, HeraldMetrics metrics, TimeProvider time, ILogger<CampaignReleaser> logger)
    : PollingWorker("campaign_releaser", metrics, time)
{
    public const int ChunkSize = 500;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly string _owner = "release-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>How long an idle releaser sleeps before looking for due campaigns again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(PollInterval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct) =>
        await ReleaseOnceAsync(ct) ? NextRound.Now : NextRound.In(PollInterval);

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogReleaseFailed(logger, exception, retryIn.TotalMilliseconds);

    /// <summary>Claims one due campaign and releases up to 20 chunks of it. True when it released something.</summary>
    public async Task<bool> ReleaseOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        if (await store.ClaimReleaseAsync(now, now + Lease, _owner, ct) is not { } campaign)
        {
            return false;
        }

        var released = false;
        for (var chunk = 0; chunk < 20; chunk++)
        {
            var members = await store.ReadAudienceAsync(campaign, ChunkSize, ct);
            var exhausted = members.Count < ChunkSize;
            now = Time.GetUtcNow();
            var notifications = Build(campaign, members, now);
            var cursor = members.Count > 0 ? members[^1].UserId : campaign.Cursor;
            if (!await store.ReleaseChunkAsync(campaign.Id, _owner, campaign.Cursor, cursor, exhausted, notifications, now, now + Lease, ct))
            {
                break; // paused, cancelled or taken over meanwhile: this chunk was not written
            }

            released = true;
            signals.Notify(Signals.Planner(campaign.Message.Priority));
            campaign = campaign with { Cursor = cursor, Released = campaign.Released + notifications.Count, Exhausted = exhausted };
            if (exhausted)
            {
                break;
            }
        }

        return released;
    }

    /// <summary>One notification per member, due at its schedule (its own time zone for a local time) plus its pacing slot.</summary>
    public List<Notification> Build(Campaign campaign, IReadOnlyList<AudienceMember> members, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(members);
        var m = campaign.Message;
        var slot = campaign.Rate is { } rate and > 0 ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.Zero;
        var result = new List<Notification>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            var scheduled = campaign.Schedule.DueFor(members[i].TimeZone, campaign.CreatedAt);
            var due = (scheduled > now ? scheduled : now) + (slot * (campaign.Released + i));
            var status = due > now ? NotificationStatus.Scheduled : NotificationStatus.Accepted;
            result.Add(new Notification(Ids.New("ntf", Time), m.EventType, members[i].UserId, m.Priority, status, m.TemplateId, m.TemplateVersion, m.Channels, m.Data,
                null, campaign.Id, due, now, null, m.Options, campaign.Id, campaign.EnvironmentId));
        }

        return result;
    }

    [LoggerMessage(EventId = 2951, Level = LogLevel.Error, Message = "Campaign release failed; retrying in {DelayMs} ms")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, double delayMs);
}
