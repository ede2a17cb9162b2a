using Herald.Core.Domain;
using Herald.Core.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>
/// <see cref="IWorkTransport"/> over RabbitMQ: quorum queues partitioned by recipient per lane, publisher confirms,
/// manual acks, a dead-letter queue that keeps the reason. See <see cref="Topology"/> for the names.
/// </summary>
internal sealed class RabbitMqWorkTransport : IWorkTransport, IAsyncDisposable
{
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RabbitMqWorkTransport> _logger;
    private readonly RabbitMqConnection _connection;
    private readonly ConfirmedPublisher _publisher;
    private readonly PartitionOwnership _ownership;

    public RabbitMqWorkTransport(IOptions<RabbitMqOptions> options, TimeProvider time, ILogger<RabbitMqWorkTransport> logger, PartitionOwnership? ownership = null)
    {
        _ownership = ownership ?? new PartitionOwnership();
        _options = options.Value;
        _time = time;
        _logger = logger;
        Topology = new Topology(_options);
        _connection = new RabbitMqConnection(_options, Topology, time, logger);
        _publisher = new ConfirmedPublisher(_connection, _options, time);
    }

    internal Topology Topology { get; }

    public (bool Ready, string? Reason) Health => _connection.Health;

    public async Task EnsureTopologyAsync(CancellationToken ct)
    {
        // The reconnect loop declares the topology before it reports a connection; declaring again here makes a
        // failure visible to the caller at start.
        var current = await _connection.WaitAsync(ct);
        await _connection.DeclareTopologyAsync(current, ct);
    }

    public Task PublishAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var messages = new OutgoingMessage[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var partition = Topology.Partition(item.RecipientId, Topology.Partitions);
            messages[i] = new OutgoingMessage(Topology.WorkExchange, Topology.RoutingKey(item.Channel, item.Priority, partition),
                WorkCodec.Properties(item), WorkCodec.Encode(item));
        }

        return _publisher.PublishAsync(messages, ct);
    }

    public async Task ConsumeAsync(Channel channel, Priority priority, int maxBatch,
        Func<IReadOnlyList<WorkItem>, CancellationToken, Task<IReadOnlyList<WorkResult>>> handler, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        var partitions = Enumerable.Range(0, Topology.Partitions)
            .Select(p => new PartitionConsumer(_connection, _publisher, Topology, _options, _ownership, _time, _logger, channel, priority, p, maxBatch, handler).RunAsync(ct));
        await Task.WhenAll(partitions);
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
