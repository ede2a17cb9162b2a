using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Testing;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Resilience;

/// <summary>
/// kill -9 mid-run: 5,000 notifications of mixed priorities and channels, the server SIGKILLed while sends and deliveries
/// are in flight, restarted on the same database. Nothing accepted may be lost and nothing may reach its target twice,
/// except a webhook that was in flight at the kill (the trace says "resend-unknown"; same webhook-id, so receivers drop it).
/// </summary>
[Collection(ResilienceGroup.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Users = 40;
    private const int Singles = 3_000;
    private const int Batches = 50;
    private const int Senders = 24;

    /// <summary>
    /// A kill can leave at most one claim per resending webhook lane (urgent, normal) sent but unsettled; a provider lane
    /// claims LaneConcurrency (16 by default) deliveries at a time.
    /// </summary>
    private const int MaxResentWebhooks = 2 * 16;

    private static readonly string[] DefaultChannels = ["email", "sms", "push", "in_app"];

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-crash-").FullName;
    private readonly List<string> _users = [.. Enumerable.Range(0, Users).Select(i => $"cu{i:00}")];
    private HeraldProcess _server = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var limits = new Dictionary<string, string>(StringComparer.Ordinal) { ["Herald__Webhooks__RetrySchedule"] = "200ms,500ms,1s,2s,5s" };
        foreach (var channel in new[] { "in_app", "email", "sms", "push" })
        {
            limits[$"Herald__Pipeline__RateLimits__{channel}"] = "100000/1h";
            // About 12 urgent messages per user and event type here: the runaway-loop guard would suppress some, and
            // this test counts every planned delivery as owed.
            limits[$"Herald__Pipeline__UrgentCeilings__{channel}"] = "none";
        }

        _server = new HeraldProcess(Path.Combine(_directory, "herald.db"), "crash-admin-key-" + Guid.NewGuid().ToString("N"), limits);
        await _server.StartAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _server?.Dispose();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    [Trait("Category", "Crash")]
    public async Task Server_KilledMidRun_LosesNothingAndSendsNothingTwice()
    {
        var clock = Stopwatch.StartNew();
        using (var setup = new ResilienceApi(_server))
        {
            await SetUpRecipientsAsync(setup);
        }

        var workload = new CrashWorkload(_users, Singles, Batches, Guid.NewGuid().ToString("N")[..8]);
        using var first = new ResilienceApi(_server);
        using var stop = new CancellationTokenSource();
        var sending = workload.SendAsync(first.Http, Senders, run: 1, () => stop.IsCancellationRequested);

        // Kill while requests are in flight and deliveries are flowing: ~40 % accepted and webhooks arriving.
        var flowing = await WaitUntilAsync(() => workload.AcceptedNotifications >= workload.Total * 2 / 5 && _receiver.Total >= 20, sending, TimeSpan.FromSeconds(60));
        _server.Kill();
        var killedAt = clock.Elapsed;
        await stop.CancelAsync();
        var webhooksAtKill = _receiver.Total;
        await sending;
        flowing.ShouldBeTrue($"sends and deliveries were not flowing before the kill (accepted {workload.AcceptedNotifications}, webhooks {webhooksAtKill})");
        var acceptedBeforeKill = workload.AcceptedNotifications;
        var cutOff = workload.FailedRequests;

        await _server.StartAsync(TimeSpan.FromSeconds(30));
        using var api = new ResilienceApi(_server);
        await workload.SendAsync(api.Http, Senders, run: 2, () => false);
        workload.Done.ShouldBeTrue("every request is eventually answered 2xx");
        var drained = await CrashAudit.WaitDrainedAsync(api, TimeSpan.FromSeconds(120));
        var audit = await CrashAudit.CollectAsync(api, _users);

        var figures = Report(workload, audit, acceptedBeforeKill, cutOff, webhooksAtKill, killedAt, drained, clock.Elapsed);
        drained.ShouldNotBeNull($"not every notification completed within 120 s\n{figures}");
        workload.AcceptedNotifications.ShouldBe(workload.Total);
        audit.FindLost(ExpectedChannels(workload, audit)).ShouldBeEmpty(figures);
        audit.FindDuplicates(_receiver, MaxResentWebhooks).ShouldBeEmpty(figures);
    }

    private async Task SetUpRecipientsAsync(ResilienceApi api)
    {
        await api.PublishTemplateAsync(CrashWorkload.TemplateId, ["n"], new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "Order {{n}}", ["html"] = "<p>Order {{n}} shipped</p>", ["text"] = "Order {{n}} shipped" },
            ["sms"] = new JsonObject { ["body"] = "Order {{n}} shipped" },
            ["push"] = new JsonObject { ["title"] = "Order {{n}}", ["body"] = "Shipped" },
            ["in_app"] = new JsonObject { ["title"] = "Order {{n}}", ["body"] = "Shipped" },
        });
        await Parallel.ForEachAsync(_users.Select((user, i) => (user, i)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (u, _) =>
        {
            await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{u.user}",
                new JsonObject { ["email"] = $"{u.user}@example.com", ["phone"] = $"+1555010{u.i:0000}", ["locale"] = "en", ["timezone"] = "UTC" });
            await api.SendAsync(HttpMethod.Post, $"/api/v1/users/{u.user}/devices", new JsonObject { ["token"] = $"device-token-{u.user}-0123456789", ["platform"] = "android" });
            await api.SendAsync(HttpMethod.Post, "/api/v1/webhook-endpoints",
                new JsonObject { ["recipient_id"] = u.user, ["url"] = new Uri(_receiver.BaseAddress, $"hooks/{u.user}").ToString() });
        });
    }

    /// <summary>The requested channels of every accepted notification: singles by the id answered, batches by their event type.</summary>
    private static Dictionary<string, string[]> ExpectedChannels(CrashWorkload workload, CrashAudit audit)
    {
        var expected = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var a in workload.Accepted.Where(a => a.NotificationId is not null))
        {
            expected.TryAdd(a.NotificationId!, ChannelsOf(a.Item)).ShouldBeTrue($"two requests were answered with notification {a.NotificationId}");
        }

        var batches = workload.Accepted.Where(a => a.Item.BatchEventType is not null).ToDictionary(a => a.Item.BatchEventType!, StringComparer.Ordinal);
        batches.Count.ShouldBe(Batches);
        batches.Values.ShouldAllBe(b => b.Accepted == Users);
        foreach (var n in audit.Listed.Where(n => batches.ContainsKey(n.EventType)))
        {
            expected.TryAdd(n.Id, ChannelsOf(batches[n.EventType].Item));
        }

        foreach (var b in batches.Values)
        {
            audit.Listed.Count(n => n.EventType == b.Item.BatchEventType).ShouldBe(b.Accepted, $"notifications stored for batch {b.BatchId} ({b.Item.BatchEventType})");
        }

        return expected;
    }

    private string Report(CrashWorkload workload, CrashAudit audit, int acceptedBeforeKill, int cutOff, int webhooksAtKill, TimeSpan killedAt, TimeSpan? drained, TimeSpan total)
    {
        var traces = audit.Details.Values.SelectMany(n => n.Trace!).ToList();
        string Decisions(string decision) => string.Join(", ", traces.Where(t => t.Decision == decision).GroupBy(t => t.Channel).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        var replayed = workload.Accepted.Where(a => a.Run == 2 && a.Replayed).Sum(a => a.Accepted);
        var received = _receiver.CountsByWebhookId;
        var figures = string.Join('\n',
            $"crash test: {workload.Total} notifications ({Singles} single POSTs, {Batches} batches of {Users}) from {Senders} concurrent senders",
            $"  killed at {killedAt.TotalSeconds:0.0} s with {acceptedBeforeKill} notifications accepted ({100.0 * acceptedBeforeKill / workload.Total:0}%), {webhooksAtKill} webhooks received; {cutOff} requests cut off or refused",
            $"  after the restart: {workload.AcceptedNotifications - acceptedBeforeKill} more accepted, of which {replayed} were idempotent replays of requests committed before the kill",
            $"  deliveries: {audit.Deliveries.Count} ({string.Join(", ", audit.Deliveries.GroupBy(x => x.Delivery.Channel).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))})",
            $"  delivery states: {string.Join(", ", audit.Deliveries.GroupBy(x => x.Delivery.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}",
            $"  outbox {audit.Outbox.Count}, feed items {audit.Feeds.Values.Sum(f => f.Count)}, webhook requests {_receiver.Total} for {received.Count} webhook-ids, duplicates {received.Count(r => r.Value > 1)} (extra copies {received.Sum(r => r.Value - 1)})",
            $"  reconcile decisions: resend-unknown [{Decisions("resend-unknown")}], dead-unknown [{Decisions("dead-unknown")}], reconciled [{Decisions("reconciled")}]",
            $"  drained {(drained is { } d ? $"{d.TotalSeconds:0.0} s after the last send" : "NOT within 120 s")}; whole test {total.TotalSeconds:0.0} s");
        output.WriteLine(figures);
        Console.WriteLine(figures);
        return figures;
    }

    private static string[] ChannelsOf(WorkItem item) =>
        JsonNode.Parse(item.Body)!["channels"] is JsonArray list ? [.. list.Select(c => (string)c!)] : DefaultChannels;

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, Task giveUpWhenDone, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (giveUpWhenDone.IsCompleted || clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(5);
        }

        return true;
    }
}
