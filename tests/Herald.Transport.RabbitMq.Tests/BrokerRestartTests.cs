using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Core.Domain;
using Herald.Core.Transport;
using Xunit.Abstractions;

namespace Herald.Transport.RabbitMq.Tests;

/// <summary>Restarting the broker would break every other test running at the time: this collection runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartGroup
{
    public const string Name = "broker restart";
}

/// <summary>Runs only when HERALD_TEST_RABBITMQ_RESTART names a script that restarts the test broker.</summary>
public sealed class RestartFactAttribute : FactAttribute
{
    public RestartFactAttribute()
    {
        if (TestBroker.RestartScript is null)
        {
            Skip = "HERALD_TEST_RABBITMQ_RESTART is not set";
        }
    }
}

[Collection(BrokerRestartGroup.Name)]
public sealed class BrokerRestartTests(ITestOutputHelper output)
{
    [RestartFact]
    public async Task BrokerRestart_MidStream_LosesNoConfirmedItemAndConsumersResume()
    {
        await using var scope = await TransportScope.StartAsync(o => o.PublishTimeout = TimeSpan.FromSeconds(3));
        var confirmed = new ConcurrentDictionary<string, bool>();
        var seen = new ConcurrentDictionary<string, bool>();
        var failedBatches = 0;
        var sawUnready = false;
        using var stopPublishing = new CancellationTokenSource();

        // Publish small batches continuously; a batch that throws is "not accepted" and the caller would retry it later.
        var publisher = Task.Run(async () =>
        {
            for (var batch = 0; !stopPublishing.IsCancellationRequested; batch++)
            {
                var items = Enumerable.Range(batch * 10, 10).Select(i => TransportScope.Item($"r{i % 7}", i)).ToList();
                try
                {
                    await scope.Transport.PublishAsync(items, CancellationToken.None);
                    items.ForEach(i => confirmed.TryAdd(i.DeliveryId, true));
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failedBatches);
                }

                sawUnready |= !scope.Transport.Health.Ready;

                await Task.Delay(20);
            }
        });

        await using (scope.Consume(Channel.Sms, Priority.Urgent, (w, _) =>
        {
            seen.TryAdd(w.DeliveryId, true);
            return Task.FromResult((WorkSettlement.Ack, (string?)null));
        }))
        {
            await WaitUntilAsync(() => confirmed.Count >= 200 && seen.Count >= 100, TimeSpan.FromSeconds(10));

            var watch = Stopwatch.StartNew();
            using (var restart = Process.Start(new ProcessStartInfo(TestBroker.RestartScript!) { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                await restart.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                restart.ExitCode.ShouldBe(0, await restart.StandardError.ReadToEndAsync());
            }

            output.WriteLine($"broker restarted in {watch.Elapsed.TotalSeconds:0.0} s");
            var beforeReconnect = confirmed.Count;
            await WaitUntilAsync(() => scope.Transport.Health.Ready, TimeSpan.FromSeconds(20));
            await WaitUntilAsync(() => confirmed.Count >= beforeReconnect + 200, TimeSpan.FromSeconds(10));
            await stopPublishing.CancelAsync();
            await publisher;

            // Everything the broker confirmed, before, during and after the restart, reaches the consumer.
            await WaitUntilAsync(() => confirmed.Keys.All(seen.ContainsKey), TimeSpan.FromSeconds(15));
            output.WriteLine($"restart: {confirmed.Count} confirmed, {seen.Count} seen, {failedBatches} batches refused during the outage; " +
                $"recovered in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        confirmed.Keys.Where(id => !seen.ContainsKey(id)).ShouldBeEmpty();
        sawUnready.ShouldBeTrue("Health reports the outage");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            watch.Elapsed.ShouldBeLessThan(timeout, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
