using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Ingest;
using Herald.Core.Pipeline;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Ingest;

/// <summary>Ingest through the real group commit into a real SQLite store.</summary>
public sealed class IngestServiceTests : IAsyncLifetime
{
    private const string Definition = """{"variables": ["name"], "channels": {"sms": {"body": "Hi {{name}}, your order shipped"}}}""";
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly Observability.MetricsCapture _metrics = new();
    private TempSqliteStore _temp = null!;
    private GroupCommitter _committer = null!;
    private IngestService _ingest = null!;

    public async Task InitializeAsync()
    {
        _temp = await TempSqliteStore.CreateAsync();
        var options = new PipelineOptionsAccessor(Options.Create(new PipelineOptions()));
        _committer = new GroupCommitter(_temp.Ingest, _time, options, _metrics.Metrics);
        await _committer.StartAsync(CancellationToken.None);
        _ingest = new IngestService(_temp.Ingest, new TemplateCatalog(_temp.Templates), _committer, new Signals(), _time);

        var version = await _temp.Templates.AddTemplateVersionAsync(Environments.Default, "order_shipped", null, Definition, Now, CancellationToken.None);
        await _temp.Templates.PublishTemplateAsync(Environments.Default, "order_shipped", version, Now, CancellationToken.None);
        await _temp.Templates.AddTemplateVersionAsync(Environments.Default, "draft_only", null, Definition, Now, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _committer.StopAsync(CancellationToken.None);
        _committer.Dispose();
        _metrics.Dispose();
        await _temp.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_SameKeySameHash_ReplaysTheSameBody()
    {
        var first = await SendAsync(Command(key: "key-1", hash: "hash-A"));
        var second = await SendAsync(Command(key: "key-1", hash: "hash-A"));

        var accepted = first.ShouldBeOfType<IngestResult.Accepted>();
        accepted.StatusCode.ShouldBe(202);
        accepted.Replayed.ShouldBeFalse();
        var body = JsonNode.Parse(accepted.Body)!.AsObject();
        body["status"]!.GetValue<string>().ShouldBe(NotificationStatus.Accepted);
        second.ShouldBe(new IngestResult.Accepted(202, accepted.Body, true));

        var stored = await _temp.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None);
        stored.Select(n => n.Id).ShouldBe([body["id"]!.GetValue<string>()]);
        stored[0].IdempotencyKey.ShouldBe("key-1");
        stored[0].Data.ShouldBe("""{"name":"Ada"}""");
    }

    [Fact]
    public async Task SendAsync_SameKeyDifferentHash_IdempotencyKeyReused()
    {
        await SendAsync(Command(key: "key-1", hash: "hash-A"));

        var second = await SendAsync(Command(key: "key-1", hash: "hash-B"));

        var problem = second.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.IdempotencyKeyReused);
        problem.Field.ShouldBe("idempotency_key");
        (await _temp.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SendAsync_MissingVariable_ProblemNamesDataField()
    {
        var result = await SendAsync(Command(data: new JsonObject { ["other"] = "x" }));

        var problem = result.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.MissingVariable);
        problem.Field.ShouldBe("data.name");
        problem.Detail.ShouldBe("missing template variable 'name'");
        (await _temp.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_DraftTemplate_TemplateNotPublished()
    {
        var result = await SendAsync(Command(template: "draft_only"));

        var problem = result.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.TemplateNotPublished);
        problem.Field.ShouldBe("template_id");
        problem.Detail.ShouldStartWith("template 'draft_only' has no published version");
    }

    [Fact]
    public async Task SendAsync_DraftTemplateVersion_TemplateNotPublishedOnVersion()
    {
        var result = await SendAsync(Command(template: "draft_only", version: 1));

        var problem = result.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.TemplateNotPublished);
        problem.Field.ShouldBe("template_version");
    }

    [Fact]
    public async Task SendAsync_UnknownTemplate_UnknownTemplate()
    {
        var result = await SendAsync(Command(template: "nope"));

        var problem = result.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.UnknownTemplate);
        problem.Field.ShouldBe("template_id");
    }

    [Fact]
    public async Task SendAsync_ChannelNotInTemplate_ChannelNotInTemplate()
    {
        var result = await SendAsync(Command(channels: [Channel.Email]));

        var problem = result.ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.ChannelNotInTemplate);
        problem.Field.ShouldBe("channels");
    }

    [Fact]
    public async Task SendAsync_ScheduledInFuture_StoredAsScheduledAtThatTime()
    {
        var at = Now.AddHours(2);

        var result = await SendAsync(Command() with { ScheduledAt = at });

        var body = JsonNode.Parse(result.ShouldBeOfType<IngestResult.Accepted>().Body)!.AsObject();
        body["status"]!.GetValue<string>().ShouldBe(NotificationStatus.Scheduled);
        var stored = await _temp.Queries.GetNotificationAsync(body["id"]!.GetValue<string>(), CancellationToken.None);
        stored!.Status.ShouldBe(NotificationStatus.Scheduled);
        stored.DueAt.ShouldBe(at);
    }

    [Fact]
    public async Task SendAsync_CommitterStopped_NeitherHangsNorAccepts()
    {
        await _committer.StopAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // Depending on whether the request reached the queue before the stopping committer closed it, it is refused as
        // overloaded (503) or failed as cancelled; what matters is that it returns promptly and is never accepted.
        try
        {
            var result = await _ingest.SendAsync(Command(key: "key-1"), cts.Token).WaitAsync(TimeSpan.FromSeconds(5));
            result.ShouldBeOfType<IngestResult.Problem>().Kind.ShouldBe(IngestProblem.Overloaded);
        }
        catch (OperationCanceledException)
        {
            // Queued just before the committer stopped: failed, not accepted.
        }

        (await _temp.Ingest.GetIdempotencyAsync(Environments.Default, "key-1", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task SendAsync_ValueTheStoreRefuses_UnstorableProblemAndTheConcurrentSendIsAccepted()
    {
        // A null recipient cannot pass the API; here it stands for any value the store refuses (a NOT NULL constraint).
        var sends = new[] { Command(key: "good-1"), Command(key: "bad") with { RecipientIds = [null!] }, Command(key: "good-2") }.Select(SendAsync).ToList();

        var results = await Task.WhenAll(sends);

        var problem = results[1].ShouldBeOfType<IngestResult.Problem>();
        problem.Kind.ShouldBe(IngestProblem.Unstorable);
        problem.Detail.ShouldContain("cannot be stored");
        results[0].ShouldBeOfType<IngestResult.Accepted>();
        results[2].ShouldBeOfType<IngestResult.Accepted>();
        (await _temp.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None)).Count.ShouldBe(2);
        (await _temp.Ingest.GetIdempotencyAsync(Environments.Default, "bad", CancellationToken.None)).ShouldBeNull();
    }

    private Task<IngestResult> SendAsync(SendCommand command) => _ingest.SendAsync(command, CancellationToken.None).WaitAsync(Hang);

    private static SendCommand Command(string? key = null, string hash = "hash-A", JsonObject? data = null, string template = "order_shipped",
        int? version = null, IReadOnlyList<Channel>? channels = null) =>
        new("order.shipped", ["u1"], false, Priority.Normal, channels, template, version, data ?? new JsonObject { ["name"] = "Ada" }, key, null, hash);
}
