using Herald.Core.Domain;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Herald.Core.Observability;
using Herald.Core.Pipeline.Cluster;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Herald.Storage.Tests.Postgres;

/// <summary>The LISTEN side of cluster signals, fed by real store writes on another connection.</summary>
public sealed class PostgresClusterSignalsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly HeraldMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    [Fact]
    public async Task PublishTemplateAsync_Committed_ListenerGetsTemplateId()
    {
        await using var s = await Stores.PostgresAsync();
        await using var listener = await StartAsync(s);
        var id = "tpl-" + Guid.NewGuid().ToString("N");
        var version = await s.Templates.AddTemplateVersionAsync(Environments.Default, id, null, "{}", DateTimeOffset.UtcNow, CancellationToken.None);

        (await s.Templates.PublishTemplateAsync(Environments.Default, id, version, DateTimeOffset.UtcNow, CancellationToken.None)).ShouldBeTrue();

        await listener.WaitForAsync(ClusterTopics.Template, Herald.Core.Templates.TemplateCatalog.SignalKey(Environments.Default, id));
    }

    [Fact]
    public async Task PutPartialAsync_Committed_ListenerGetsTheEnvironment()
    {
        await using var s = await Stores.PostgresAsync();
        await using var listener = await StartAsync(s);
        var environment = "env_" + Guid.NewGuid().ToString("N");

        await s.Port<Herald.Core.Storage.ITemplateLibraryStore>().PutPartialAsync(environment, new StoredPartial("sig", "-- ACME", DateTimeOffset.UtcNow), CancellationToken.None);

        await listener.WaitForAsync(ClusterTopics.TemplateLibrary, environment);
    }

    [Fact]
    public async Task ListenAsync_ConnectionTerminated_ReconnectsAndSaysEverythingChanged()
    {
        await using var s = await Stores.PostgresAsync();
        await using var listener = await StartAsync(s);
        listener.Received.Clear();

        await using (var admin = await s.Postgres!.OpenAsync(CancellationToken.None))
        {
            await using var kill = new NpgsqlCommand("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @a AND datname = current_database()", admin);
            kill.Parameters.AddWithValue("a", PostgresClusterSignals.ApplicationName);
            (await kill.ExecuteScalarAsync()).ShouldBe(1L);
        }

        // Notifications sent while it was away are lost: every subscriber hears "anything may have changed".
        await listener.WaitForAsync(ClusterTopics.Template, null);
        var id = "tpl-" + Guid.NewGuid().ToString("N");
        var version = await s.Templates.AddTemplateVersionAsync(Environments.Default, id, null, "{}", DateTimeOffset.UtcNow, CancellationToken.None);
        await s.Templates.PublishTemplateAsync(Environments.Default, id, version, DateTimeOffset.UtcNow, CancellationToken.None);
        await listener.WaitForAsync(ClusterTopics.Template, Herald.Core.Templates.TemplateCatalog.SignalKey(Environments.Default, id));
    }

    [Fact]
    public async Task WriteAsync_RolledBack_SendsNothing()
    {
        await using var s = await Stores.PostgresAsync();
        await using var listener = await StartAsync(s);

        await Should.ThrowAsync<InvalidOperationException>(() => s.Postgres!.WriteAsync((_, tx) =>
        {
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, ["rolled-back"]);
            throw new InvalidOperationException("the write fails");
        }, CancellationToken.None));
        await s.Postgres!.WriteAsync((_, tx) =>
        {
            PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Feed, ["committed"]);
            return Task.CompletedTask;
        }, CancellationToken.None);

        // Signals go out in order, so once the committed one is here the rolled-back one would be too.
        await listener.WaitForAsync(ClusterTopics.Feed, "committed");
        listener.Received.ShouldNotContain((ClusterTopics.Feed, "rolled-back"));
    }

    [Fact]
    public async Task PublishAsync_OutsideTransaction_ThisAndOtherListenersGetIt()
    {
        await using var s = await Stores.PostgresAsync();
        await using var one = await StartAsync(s);
        await using var two = await StartAsync(s);

        await one.Signals.PublishAsync(ClusterTopics.Feed, "user-1", CancellationToken.None);

        await one.WaitForAsync(ClusterTopics.Feed, "user-1");
        await two.WaitForAsync(ClusterTopics.Feed, "user-1");
    }

    [Fact]
    public void Encode_ManyKeys_SplitsUnderPayloadLimitAndDecodesBack()
    {
        var keys = Enumerable.Range(0, 3_000).Select(i => $"user-{i:D6}-{Guid.NewGuid():N}").ToList();

        var payloads = ClusterSignalPayload.Encode(ClusterTopics.Feed, keys.Append(keys[0]).Append("bad\nkey"));

        payloads.Count.ShouldBeGreaterThan(1);
        payloads.ShouldAllBe(p => System.Text.Encoding.UTF8.GetByteCount(p) < 8_000);
        var decoded = payloads.Select(ClusterSignalPayload.Decode).ToList();
        decoded.ShouldAllBe(d => d.Topic == ClusterTopics.Feed);
        var all = decoded.SelectMany(d => d.Keys).ToList();
        all.Where(k => k is not null).ShouldBe(keys);
        all.Count(k => k is null).ShouldBe(1);
    }

    private static async Task<Listener> StartAsync(StoreHandle s)
    {
        var listener = new Listener(new PostgresClusterSignals(s.Postgres!, new ClusterSignalHandlers(), Metrics, TimeProvider.System, NullLogger<PostgresClusterSignals>.Instance));
        await listener.Signals.StartAsync(CancellationToken.None);
        // The first "everything" comes once LISTEN is in place.
        await listener.WaitForAsync(ClusterTopics.Template, null);
        return listener;
    }

    private sealed class Listener : IAsyncDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];

        public Listener(PostgresClusterSignals signals)
        {
            Signals = signals;
            foreach (var topic in new[] { ClusterTopics.Template, ClusterTopics.Feed, ClusterTopics.TemplateLibrary })
            {
                _subscriptions.Add(signals.Subscribe(topic, key => Received.Enqueue((topic, key))));
            }
        }

        public PostgresClusterSignals Signals { get; }

        public ConcurrentQueue<(string Topic, string? Key)> Received { get; } = new();

        public async Task WaitForAsync(string topic, string? key)
        {
            using var cts = new CancellationTokenSource(Wait);
            while (!Received.Contains((topic, key)))
            {
                await Task.Delay(20, cts.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _subscriptions.ForEach(s => s.Dispose());
            await Signals.StopAsync(CancellationToken.None);
            Signals.Dispose();
        }
    }
}
