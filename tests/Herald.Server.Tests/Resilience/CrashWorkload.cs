using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Server.Tests.Resilience;

/// <summary>One send request of the crash test: a single notification or a batch, always with an idempotency key.</summary>
public sealed record WorkItem(int Index, string Path, string Body, int Notifications, string? BatchEventType);

/// <summary>What a 2xx answer said: the notification id (single) or the batch id and accepted count.</summary>
public sealed record Acceptance(WorkItem Item, string? NotificationId, string? BatchId, int Accepted, bool Replayed, int Run);

/// <summary>
/// The crash test's traffic: mixed priorities and channels, content varied per notification so content dedup never
/// applies. A request counts as accepted only when answered 2xx; a request cut off by the kill is sent again after the
/// restart with the same idempotency key and body, as a careful client would (the server replays it if it was committed).
/// </summary>
public sealed class CrashWorkload
{
    public const string TemplateId = "crash";
    public const string SingleEventType = "crash.single";

    private static readonly string[] Priorities = ["urgent", "normal", "normal", "low", "low"];

    private static readonly string[]?[] ChannelSets =
    [
        ["in_app"], ["webhook"], ["email"], ["sms"], ["push"], ["in_app", "webhook"], ["email", "sms", "push", "in_app", "webhook"], null,
    ];

    private readonly ConcurrentQueue<WorkItem> _pending = new();
    private readonly ConcurrentBag<Acceptance> _accepted = [];
    private int _acceptedNotifications;
    private int _failedRequests;

    public CrashWorkload(IReadOnlyList<string> users, int singles, int batches, string runId)
    {
        var perBatch = singles / batches;
        var index = 0;
        for (var s = 0; s < singles; s++)
        {
            if (s % perBatch == 0 && s / perBatch < batches)
            {
                var b = s / perBatch;
                _pending.Enqueue(Batch(index++, b, users, runId));
            }

            // The shift per round spreads every priority × channel combination over every user.
            _pending.Enqueue(Single(index++, s, users[(s + (s / users.Count)) % users.Count], runId));
        }

        Total = _pending.Sum(i => i.Notifications);
    }

    /// <summary>Notifications the workload sends in all.</summary>
    public int Total { get; }

    public int AcceptedNotifications => Volatile.Read(ref _acceptedNotifications);

    /// <summary>Requests that got no 2xx answer (cut off by the kill, or refused while the server was down) and were sent again.</summary>
    public int FailedRequests => Volatile.Read(ref _failedRequests);

    public IReadOnlyCollection<Acceptance> Accepted => _accepted;

    public bool Done => _pending.IsEmpty;

    /// <summary>Sends pending items with <paramref name="concurrency"/> senders until none is left or <paramref name="stop"/> is set.</summary>
    public async Task SendAsync(HttpClient http, int concurrency, int run, Func<bool> stop)
    {
        var failed = new ConcurrentQueue<WorkItem>();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop() && _pending.TryDequeue(out var item))
            {
                if (!await TrySendAsync(http, item, run))
                {
                    Interlocked.Increment(ref _failedRequests);
                    failed.Enqueue(item);
                    if (!stop())
                    {
                        await Task.Delay(100);
                    }
                }
            }
        })));

        // Cut-off requests go first next time; order among the rest is kept.
        var rest = _pending.ToList();
        _pending.Clear();
        foreach (var item in failed.Concat(rest))
        {
            _pending.Enqueue(item);
        }
    }

    private async Task<bool> TrySendAsync(HttpClient http, WorkItem item, int run)
    {
        try
        {
            using var response = await http.PostAsync(new Uri(item.Path, UriKind.Relative), ResilienceApi.Body(JsonNode.Parse(item.Body)!));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var body = JsonNode.Parse(text)!;
                var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var v) && v.Contains("true");
                var count = item.BatchEventType is null ? 1 : (int)body["accepted"]!;
                _accepted.Add(new Acceptance(item, (string?)body["id"], (string?)body["batch_id"], count, replayed, run));
                Interlocked.Add(ref _acceptedNotifications, count);
                return true;
            }

            if ((int)response.StatusCode is 503 or 409 or >= 500)
            {
                return false;
            }

            throw new InvalidOperationException($"request {item.Index} was refused with {(int)response.StatusCode}: {text}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    private static WorkItem Single(int index, int s, string user, string runId)
    {
        var body = Common(s, runId + "-s" + s, SingleEventType, $"s{s}");
        body["recipient_id"] = user;
        return new WorkItem(index, "/api/v1/notifications", body.ToJsonString(), 1, null);
    }

    private static WorkItem Batch(int index, int b, IReadOnlyList<string> users, string runId)
    {
        var eventType = $"crash.batch.{b}";
        var body = Common(b + 3, runId + "-b" + b, eventType, $"b{b}");
        body["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode)u)]);
        return new WorkItem(index, "/api/v1/notifications/batch", body.ToJsonString(), users.Count, eventType);
    }

    private static JsonObject Common(int k, string key, string eventType, string n)
    {
        var body = new JsonObject
        {
            ["event_type"] = eventType,
            ["template_id"] = TemplateId,
            ["priority"] = Priorities[k % Priorities.Length],
            ["data"] = new JsonObject { ["n"] = n },
            ["idempotency_key"] = key,
        };
        if (ChannelSets[k % ChannelSets.Length] is { } channels)
        {
            body["channels"] = new JsonArray([.. channels.Select(c => (JsonNode)c)]);
        }

        return body;
    }
}
