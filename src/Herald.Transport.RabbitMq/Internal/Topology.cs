using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Herald.Core.Domain;
using RabbitMQ.Client;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>
/// Names and arguments of every exchange and queue. Work goes to the direct exchange <c>{prefix}.work</c> with routing
/// key <c>{channel}.{priority}.{partition}</c>, bound to the quorum queue <c>{prefix}.work.{channel}.{priority}.{partition}</c>;
/// dead messages go to the fanout exchange <c>{prefix}.dead</c> and stay in the quorum queue <c>{prefix}.dead-letters</c>.
/// </summary>
internal sealed class Topology(RabbitMqOptions options)
{
    internal static readonly Priority[] Priorities = [Priority.Urgent, Priority.Normal, Priority.Low];

    public string WorkExchange { get; } = options.ExchangePrefix + ".work";

    public string DeadExchange { get; } = options.ExchangePrefix + ".dead";

    public string DeadQueue { get; } = options.ExchangePrefix + ".dead-letters";

    public int Partitions { get; } = options.Partitions;

    public static string Lane(Channel channel, Priority priority) => channel.ToWire() + "." + priority.ToWire();

    public static string RoutingKey(Channel channel, Priority priority, int partition) => $"{Lane(channel, priority)}.{partition}";

    public string Queue(Channel channel, Priority priority, int partition) => $"{WorkExchange}.{Lane(channel, priority)}.{partition}";

    /// <summary>
    /// The partition of a recipient: the first 4 bytes (big-endian) of SHA-256 over the UTF-8 recipient id, modulo the
    /// partition count. Stable across processes, versions and restarts (unlike string.GetHashCode), so all work for one
    /// recipient lands in one partition queue and is consumed in order.
    /// </summary>
    public static int Partition(string recipientId, int partitions)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(recipientId), hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)partitions);
    }

    public IEnumerable<(Channel Channel, Priority Priority, int Partition)> WorkQueues() =>
        from channel in ChannelNames.All
        from priority in Priorities
        from partition in Enumerable.Range(0, Partitions)
        select (channel, priority, partition);

    /// <summary>Declares everything; safe to repeat because the arguments are always the same.</summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken ct)
    {
        await channel.ExchangeDeclareAsync(WorkExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(DeadExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.QueueDeclareAsync(DeadQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        await channel.QueueBindAsync(DeadQueue, DeadExchange, routingKey: "", cancellationToken: ct);

        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            // One active consumer per partition: the order of one recipient's work is the order of its queue.
            ["x-single-active-consumer"] = true,
            ["x-delivery-limit"] = options.DeliveryLimit,
            ["x-dead-letter-exchange"] = DeadExchange,
            // At-least-once dead-lettering (quorum queues only) needs reject-publish overflow; without it a message
            // dead-lettered by the delivery limit could be lost on the way to the dead-letter queue.
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        };
        foreach (var (lane, priority, partition) in WorkQueues())
        {
            var queue = Queue(lane, priority, partition);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: ct);
            await channel.QueueBindAsync(queue, WorkExchange, RoutingKey(lane, priority, partition), cancellationToken: ct);
        }
    }
}
