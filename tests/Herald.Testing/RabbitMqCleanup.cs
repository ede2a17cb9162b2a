using Herald.Transport.RabbitMq;
using Herald.Transport.RabbitMq.Internal;
using RabbitMQ.Client;

namespace Herald.Testing;

/// <summary>
/// Deletes the queues and exchanges a Herald process declared under one prefix, named by the transport's own
/// <see cref="Topology"/>. Every distributed test uses a fresh prefix, and quorum queues left behind pile up in the test
/// broker until it is slow to accept connections; fixtures call this when they are done.
/// </summary>
public static class RabbitMqCleanup
{
    public static async Task DeletePrefixAsync(string uri, string prefix, int partitions)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await DeleteAsync(channel, new RabbitMqOptions { Uri = new Uri(uri), ExchangePrefix = prefix, Partitions = partitions });
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // Best effort: a broker that is gone takes its queues with it.
        }
    }

    /// <summary>Every work queue, the dead-letter queue and both exchanges of <paramref name="options"/>' topology.</summary>
    public static async Task DeleteAsync(IChannel channel, RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var topology = new Topology(options);
        foreach (var (lane, priority, partition) in topology.WorkQueues())
        {
            await channel.QueueDeleteAsync(topology.Queue(lane, priority, partition), ifUnused: false, ifEmpty: false);
        }

        await channel.QueueDeleteAsync(topology.DeadQueue, ifUnused: false, ifEmpty: false);
        await channel.ExchangeDeleteAsync(topology.WorkExchange, ifUnused: false);
        await channel.ExchangeDeleteAsync(topology.DeadExchange, ifUnused: false);
    }
}
