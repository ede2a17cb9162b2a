using System.Collections.Concurrent;
using System.Diagnostics;

namespace Herald.Server.Tests.Resilience;

/// <summary>Everything Herald reports after the crash test drained: notifications with deliveries and traces, feeds, the outbox.</summary>
public sealed class CrashAudit
{
    public static readonly string[] Unfinished = ["accepted", "scheduled", "planning", "processing"];
    private static readonly string[] Terminal = ["sent", "suppressed", "failed", "dead", "cancelled"];

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

    /// <summary>
    /// (a) Nothing lost: the store holds exactly the expected notifications, each completed, with one delivery per requested
    /// channel, every delivery sent, or dead only where a low-priority webhook's outcome was unknown after the kill.
    /// </summary>
    public List<string> FindLost(IReadOnlyDictionary<string, string[]> expectedChannels)
    {
        var problems = Compare("notification", Listed.Select(n => n.Id), expectedChannels.Keys);
        foreach (var (id, channels) in expectedChannels)
        {
            if (!Details.TryGetValue(id, out var n))
            {
                continue;
            }

            if (n.Status != "completed")
            {
                problems.Add($"notification {id} is {n.Status}");
            }

            var planned = n.Deliveries!.Select(d => d.Channel).Order(StringComparer.Ordinal);
            if (!planned.SequenceEqual(channels.Order(StringComparer.Ordinal)))
            {
                problems.Add($"notification {id} ({n.Priority}) has deliveries [{string.Join(",", planned)}], expected [{string.Join(",", channels)}]; trace: {TraceOf(n)}");
            }

            foreach (var d in n.Deliveries!)
            {
                var deadUnknown = d is { Channel: "webhook", Status: "dead" } && n.Priority == "low" && Decisions(n, "webhook", "dead-unknown") == 1;
                if (!Terminal.Contains(d.Status) || (d.Status != "sent" && !deadUnknown))
                {
                    problems.Add($"delivery {d.Id} ({d.Channel}, {n.Priority}) of {id} ended {d.Status}: {d.LastError}; trace: {TraceOf(n)}");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// (b) Nothing twice: each sent email/sms/push delivery once in the outbox, each sent in_app delivery once in its
    /// user's feed, each webhook once at the receiver, or more only after a "resend-unknown" decision on that webhook.
    /// </summary>
    public List<string> FindDuplicates(WebhookReceiver receiver, int maxResentWebhooks)
    {
        var problems = new List<string>();
        var outbox = Outbox.GroupBy(m => m.DeliveryId, StringComparer.Ordinal).ToList();
        problems.AddRange(outbox.Where(g => g.Count() > 1).Select(g => $"outbox holds delivery {g.Key} {g.Count()} times"));
        problems.AddRange(Compare("outbox delivery", outbox.Select(g => g.Key),
            Deliveries.Where(x => x.Delivery.Channel is "email" or "sms" or "push" && x.Delivery.Status == "sent").Select(x => x.Delivery.Id)));

        var feed = Feeds.SelectMany(f => f.Value.Select(i => $"{f.Key}/{i.NotificationId}")).GroupBy(k => k, StringComparer.Ordinal).ToList();
        problems.AddRange(feed.Where(g => g.Count() > 1).Select(g => $"feed holds {g.Key} {g.Count()} times"));
        problems.AddRange(Compare("feed item", feed.Select(g => g.Key),
            Deliveries.Where(x => x.Delivery is { Channel: "in_app", Status: "sent" }).Select(x => $"{x.Notification.RecipientId}/{x.Notification.Id}")));

        var webhooks = Deliveries.Where(x => x.Delivery.Channel == "webhook").ToDictionary(x => x.Delivery.Id, StringComparer.Ordinal);
        foreach (var (webhookId, notificationId) in receiver.NotificationIds)
        {
            if (!webhooks.TryGetValue(webhookId, out var w) || w.Notification.Id != notificationId)
            {
                problems.Add($"the receiver got webhook-id {webhookId} (notification {notificationId}), which is no webhook delivery of that notification");
            }
        }

        foreach (var (id, (n, d)) in webhooks)
        {
            var count = receiver.CountsByWebhookId.GetValueOrDefault(id);
            var resends = Decisions(n, "webhook", "resend-unknown");
            if ((d.Status == "sent" && count == 0) || count > 1 + resends)
            {
                problems.Add($"webhook delivery {id} ({n.Priority}, {d.Status}) arrived {count} times after {resends} resend-unknown decisions; trace: {TraceOf(n)}");
            }
        }

        var resent = receiver.CountsByWebhookId.Count(r => r.Value > 1);
        if (resent > maxResentWebhooks)
        {
            problems.Add($"{resent} webhooks arrived more than once; at most {maxResentWebhooks} can have been in flight at the kill");
        }

        return problems;
    }

    public static string TraceOf(NotificationDto n) => string.Join("; ", n.Trace!.Select(t => $"{t.Stage}/{t.Channel}/{t.Decision}: {t.Reason}"));

    /// <summary>Trace decisions of one kind on one channel of a notification.</summary>
    public static int Decisions(NotificationDto n, string channel, string decision) =>
        n.Trace!.Count(t => t.Channel == channel && t.Decision == decision);

    private static List<string> Compare(string what, IEnumerable<string> actual, IEnumerable<string> expected)
    {
        var have = actual.ToHashSet(StringComparer.Ordinal);
        var want = expected.ToHashSet(StringComparer.Ordinal);
        return [.. want.Except(have).Take(20).Select(k => $"{what} {k} is missing"), .. have.Except(want).Take(20).Select(k => $"{what} {k} is unexpected")];
    }
}
