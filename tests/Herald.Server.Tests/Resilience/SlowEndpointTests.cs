using System.Text.Json.Nodes;
using Herald.Testing;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Resilience;

/// <summary>
/// No crash at all: a slow but healthy webhook endpoint. A lane claims up to ClaimBatch (64) deliveries under one lease and
/// sends them LaneConcurrency (16) at a time, so the last ones wait for earlier rounds; if the batch outlasts the lease,
/// the sweeper must not take over deliveries the live lane is still going to send.
/// </summary>
[Collection(ResilienceGroup.Name)]
public sealed class SlowEndpointTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Notifications = 64;
    private const string User = "slow-endpoint-user";

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-slow-").FullName;
    private HeraldProcess _server = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();

        // Lease 5 s and webhook timeout 4 s: a valid configuration. Each call takes 1.5 s, well within the timeout even on a
        // busy machine, while a claim of 64 sent 16 at a time (4 rounds, 6 s) still outlasts the lease.
        _receiver.Delay = TimeSpan.FromSeconds(1.5);
        _server = new HeraldProcess(Path.Combine(_directory, "herald.db"), "slow-admin-key-" + Guid.NewGuid().ToString("N"), new Dictionary<string, string>
        {
            ["Herald__Pipeline__Lease"] = "00:00:05",
            ["Herald__Webhooks__Timeout"] = "00:00:04",
        });
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
    public async Task Webhooks_ClaimedBatchOutlastsLease_EachArrivesOnce()
    {
        using var api = new ResilienceApi(_server);
        await api.PublishTemplateAsync("slow", ["n"], new JsonObject { ["in_app"] = new JsonObject { ["title"] = "{{n}}" } });
        await api.SendAsync(HttpMethod.Post, "/api/v1/webhook-endpoints",
            new JsonObject { ["recipient_id"] = User, ["url"] = new Uri(_receiver.BaseAddress, "hooks/slow").ToString() });

        // Scheduled for one instant, so one lane claims them together.
        var due = TimeProvider.System.GetUtcNow().AddSeconds(3).ToString("O");
        for (var i = 0; i < Notifications; i++)
        {
            await api.SendAsync(HttpMethod.Post, "/api/v1/notifications", new JsonObject
            {
                ["event_type"] = "slow", ["recipient_id"] = User, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["n"] = i }, ["scheduled_at"] = due,
            });
        }

        var drained = await CrashAudit.WaitDrainedAsync(api, TimeSpan.FromSeconds(30));
        var notifications = await api.AllPagesAsync<NotificationPageDto, NotificationDto>($"/api/v1/notifications?recipient_id={User}&limit=500", p => p.Notifications, p => p.NextCursor);
        var details = await Task.WhenAll(notifications.Select(n => api.GetAsync<NotificationDto>($"/api/v1/notifications/{n.Id}")));
        var resent = details.Where(n => CrashAudit.Decisions(n, "webhook", "resend-unknown") > 0).ToList();
        var repeats = _receiver.CountsByWebhookId.Where(kv => kv.Value > 1).ToList();
        var figures = $"slow endpoint: drained {(drained is { } d ? $"in {d.TotalSeconds:0.0} s" : "NOT within 30 s")}; " +
            $"deliveries {string.Join(", ", details.GroupBy(n => n.Deliveries!.Single().Status).Select(g => $"{g.Key} {g.Count()}"))}; " +
            $"attempts max {details.Max(n => n.Deliveries!.Single().Attempts)}; {Notifications} webhooks, {_receiver.Total} requests for {_receiver.CountsByWebhookId.Count} webhook-ids, " +
            $"{repeats.Count} arrived more than once, {resent.Count} notifications with a resend-unknown decision though nothing crashed";
        output.WriteLine(figures);
        Console.WriteLine(figures);

        repeats.ShouldBeEmpty($"{figures}; e.g. trace: {(resent.Count > 0 ? CrashAudit.TraceOf(resent[0]) : "-")}");
        drained.ShouldNotBeNull(figures);
        details.ShouldAllBe(n => n.Deliveries!.Single().Status == "sent");
    }
}
