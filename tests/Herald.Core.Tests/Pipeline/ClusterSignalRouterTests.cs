using Herald.Core.Digests;
using Herald.Core.Lifecycle;
using Herald.Core.Pipeline;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Templates;

namespace Herald.Core.Tests.Pipeline;

/// <summary>The router's stop against the host's ways of calling it: beside its start, and twice at once.</summary>
public sealed class ClusterSignalRouterTests
{
    [Fact]
    public async Task StopAsync_TwiceAtOnceManyTimes_EachSubscriptionDisposedOnceNeverThrows()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        using var digests = new DigestRules(temp.Digests, TimeProvider.System);
        using var libraries = new TemplateLibraries(temp.Library, TimeProvider.System);
        var cluster = new CountingSignals();
        var router = new ClusterSignalRouter(cluster, new Signals(), new TemplateCatalog(temp.Templates), digests,
            new OperationalSubscribers(temp.Endpoints, TimeProvider.System), libraries);

        for (var round = 0; round < 50; round++)
        {
            await router.StartAsync(CancellationToken.None);
            using var go = new ManualResetEventSlim();
            var stops = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                go.Wait();
                return router.StopAsync(CancellationToken.None);
            })).ToArray();
            go.Set();
            await Task.WhenAll(stops);
        }

        cluster.Subscribed.ShouldBe(cluster.Disposed);
        cluster.Subscribed.ShouldBe(50 * 7);
    }

    private sealed class CountingSignals : IClusterSignals
    {
        private int _subscribed;
        private int _disposed;

        public int Subscribed => Volatile.Read(ref _subscribed);

        public int Disposed => Volatile.Read(ref _disposed);

        public Task PublishAsync(string topic, string key, CancellationToken ct) => Task.CompletedTask;

        public IDisposable Subscribe(string topic, Action<string?> handler)
        {
            Interlocked.Increment(ref _subscribed);
            return new Subscription(this);
        }

        private sealed class Subscription(CountingSignals owner) : IDisposable
        {
            private int _done;

            public void Dispose()
            {
                // A slow dispose (a listener connection closing) widens the window in which the other stop runs.
                Thread.Sleep(1);
                if (Interlocked.Exchange(ref _done, 1) == 0)
                {
                    Interlocked.Increment(ref owner._disposed);
                }
                else
                {
                    throw new InvalidOperationException("disposed twice");
                }
            }
        }
    }
}
