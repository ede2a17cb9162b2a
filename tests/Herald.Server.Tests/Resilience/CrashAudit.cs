using System.Collections.Concurrent;
using System.Diagnostics;

namespace Herald.Server.Tests.Resilience;

/// <summary>Everything Herald reports after the crash test drained: notifications with deliveries and traces, feeds, the outbox.</summary>
public sealed class CrashAudit
{
    public static readonly string[] Unfinished = ["accepted", "scheduled", "planning", "processing"];

    private CrashAudit(IReadOnlyList<NotificationDto> listed, IReadOnlyDictionary<string, NotificationDto> details,
        IReadOnlyDictionary<string, List<FeedItemDto>> feeds, IReadOnlyList<OutboxMessageDto> outbox)
    {
        Listed = listed;
        Details = details;
        Feeds = feeds;
        Outbox = outbox;
        Deliveries = [.. details.Values.SelectMany(n => n.Deliveries!.Select(d => (Notification: n, Delivery: d)))];
    }

    public IReadOnlyList<NotificationDto> Listed { get; }

    public IReadOnlyDictionary<string, NotificationDto> Details { get; }

    public IReadOnlyDictionary<string, List<FeedItemDto>> Feeds { get; }

    public IReadOnlyList<OutboxMessageDto> Outbox { get; }

    public IReadOnlyList<(NotificationDto Notification, DeliveryDto Delivery)> Deliveries { get; }

    /// <summary>Waits until no notification is left unfinished; returns how long it took, or null on timeout.</summary>
    public static async Task<TimeSpan?> WaitDrainedAsync(ResilienceApi api, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var busy = false;
            foreach (var status in Unfinished)
            {
                var page = await api.GetAsync<NotificationPageDto>($"/api/v1/notifications?status={status}&limit=1");
                busy |= page.Notifications.Count > 0;
            }

            if (!busy)
            {
                return clock.Elapsed;
            }

            await Task.Delay(250);
        }

        return null;
    }

    public static async Task<CrashAudit> CollectAsync(ResilienceApi api, IReadOnlyList<string> users)
    {
        var listed = await api.AllPagesAsync<NotificationPageDto, NotificationDto>("/api/v1/notifications?limit=500", p => p.Notifications, p => p.NextCursor);
        var details = new ConcurrentDictionary<string, NotificationDto>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(listed, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (n, _) => details[n.Id] = await api.GetAsync<NotificationDto>($"/api/v1/notifications/{n.Id}"));

        var feeds = new Dictionary<string, List<FeedItemDto>>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            feeds[user] = await api.AllPagesAsync<FeedDto, FeedItemDto>($"/api/v1/users/{user}/feed?limit=500", p => p.Notifications, p => p.NextCursor);
        }

        var outbox = await api.AllPagesAsync<OutboxPageDto, OutboxMessageDto>("/api/v1/outbox?limit=1000", p => p.Messages, p => p.NextCursor);
        return new CrashAudit(listed, details, feeds, outbox);
    }

    /// <summary>Trace decisions of one kind on one channel of a notification.</summary>
    public static int Decisions(NotificationDto n, string channel, string decision) =>
        n.Trace!.Count(t => t.Channel == channel && t.Decision == decision);

    public IEnumerable<DeliveryDto> OnChannels(params string[] channels) => Deliveries.Where(x => channels.Contains(x.Delivery.Channel)).Select(x => x.Delivery);
}
