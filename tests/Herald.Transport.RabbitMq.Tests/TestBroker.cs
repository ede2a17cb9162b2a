using Herald.Core.Domain;
using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.Transport.RabbitMq.Tests;

/// <summary>The real broker the tests run against, chosen by HERALD_TEST_RABBITMQ (scripts/test starts one on loopback).</summary>
internal static class TestBroker
{
    public static Uri Uri => Environment.GetEnvironmentVariable("HERALD_TEST_RABBITMQ") is { Length: > 0 } uri
        ? new Uri(uri)
        : throw new InvalidOperationException(
            "HERALD_TEST_RABBITMQ is not set: these tests need a real RabbitMQ 3.10+, e.g. HERALD_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:5672/ (scripts/test starts one)");

    public static string? RestartScript => Environment.GetEnvironmentVariable("HERALD_TEST_RABBITMQ_RESTART") is { Length: > 0 } path ? path : null;

    public static async Task<IConnection> ConnectAsync() => await new ConnectionFactory { Uri = Uri }.CreateConnectionAsync();

    /// <summary>Takes one message from a queue with a plain consumer (auto-ack).</summary>
    public static async Task<ReceivedMessage> ReceiveOneAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 1, false);
        var received = new TaskCompletionSource<ReceivedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, e) =>
        {
            received.TrySetResult(new ReceivedMessage(new BasicProperties(e.BasicProperties), e.Body.ToArray(), e.RoutingKey));
            await channel.BasicAckAsync(e.DeliveryTag, false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

internal sealed record ReceivedMessage(BasicProperties BasicProperties, byte[] Body, string RoutingKey)
{
    public string? Header(string name) => WorkCodec.HeaderString(BasicProperties.Headers, name);
}

/// <summary>A transport with its own names (random prefix) that deletes everything it declared when disposed.</summary>
internal sealed class TransportScope : IAsyncDisposable
{
    private TransportScope(RabbitMqOptions options)
    {
        Options = options;
        Transport = new RabbitMqWorkTransport(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
            NullLogger<RabbitMqWorkTransport>.Instance);
    }

    public RabbitMqOptions Options { get; }

    public RabbitMqWorkTransport Transport { get; }

    public Topology Topology => Transport.Topology;

    public static async Task<TransportScope> StartAsync(Action<RabbitMqOptions>? configure = null)
    {
        var options = new RabbitMqOptions
        {
            Uri = TestBroker.Uri,
            ExchangePrefix = "t-" + Guid.NewGuid().ToString("N")[..10],
            Partitions = 2,
            RequeueDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMin = TimeSpan.FromMilliseconds(200),
            ReconnectMax = TimeSpan.FromSeconds(2),
            PublishTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var scope = new TransportScope(options);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await scope.Transport.EnsureTopologyAsync(cts.Token);
        return scope;
    }

    public static WorkItem Item(string recipientId, int sequence, Channel channel = Channel.Sms, Priority priority = Priority.Urgent, string? traceParent = null) =>
        new($"d-{recipientId}-{sequence:D5}", $"n-{sequence}", recipientId, channel, priority,
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddSeconds(sequence), traceParent);

    /// <summary>
    /// Runs a consumer of the lane in the background with a handler of one item at a time (the batches it is handed are
    /// handled in order; an exception fails the batch); dispose to stop it (and check that it stops).
    /// </summary>
    public RunningConsumer Consume(Channel channel, Priority priority,
        Func<WorkItem, CancellationToken, Task<(WorkSettlement Settlement, string? Reason)>> handler, int maxBatch = 16) =>
        ConsumeBatches(channel, priority, async (items, ct) =>
        {
            var results = new List<WorkResult>(items.Count);
            foreach (var item in items)
            {
                var (settlement, reason) = await handler(item, ct);
                results.Add(new WorkResult(settlement, reason));
            }

            return results;
        }, maxBatch);

    /// <summary>Runs a consumer of the lane in the background; dispose to stop it (and check that it stops).</summary>
    public RunningConsumer ConsumeBatches(Channel channel, Priority priority,
        Func<IReadOnlyList<WorkItem>, CancellationToken, Task<IReadOnlyList<WorkResult>>> handler, int maxBatch = 16) =>
        new(Transport.ConsumeAsync(channel, priority, maxBatch, handler, StopToken(out var cts)), cts);

    private static CancellationToken StopToken(out CancellationTokenSource cts)
    {
        cts = new CancellationTokenSource();
        return cts.Token;
    }

    /// <summary>Reads (and removes) the dead-letter queue until <paramref name="count"/> messages arrived or the timeout passed.</summary>
    public async Task<List<BasicGetResult>> DeadLettersAsync(int count, TimeSpan timeout)
    {
        await using var connection = await TestBroker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var found = new List<BasicGetResult>();
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (found.Count < count && DateTimeOffset.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(Topology.DeadQueue, autoAck: true) is { } message)
            {
                found.Add(message);
            }
            else
            {
                await Task.Delay(50);
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        try
        {
            await using var connection = await TestBroker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            await Herald.Testing.RabbitMqCleanup.DeleteAsync(channel, Options);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
            // The broker went away (a restart test failed half-way); nothing left to clean on this run.
        }
    }
}

internal sealed class RunningConsumer(Task run, CancellationTokenSource stop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        // ConsumeAsync must return (not throw, not hang) once cancelled.
        await run.WaitAsync(TimeSpan.FromSeconds(15));
        stop.Dispose();
    }
}

internal static class HeaderExtensions
{
    public static string? Header(this BasicGetResult message, string name) => WorkCodec.HeaderString(message.BasicProperties.Headers, name);
}
