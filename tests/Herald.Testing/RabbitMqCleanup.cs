using RabbitMQ.Client;

namespace Herald.Testing;

/// <summary>
/// Deletes the queues and exchanges a Herald process declared under one prefix. Every distributed test uses a fresh prefix,
/// and quorum queues left behind pile up in the test broker until it is slow to accept connections; fixtures call this
/// when they are done.
/// </summary>
public static class RabbitMqCleanup
{
    private static readonly string[] Channels = ["push", "email", "sms", "in_app", "webhook"];
    private static readonly string[] Priorities = ["urgent", "normal", "low"];

    public static async Task DeletePrefixAsync(string uri, string prefix, int partitions = 4)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            foreach (var c in Channels)
            {
                foreach (var p in Priorities)
                {
                    for (var i = 0; i < partitions; i++)
                    {
                        await channel.QueueDeleteAsync($"{prefix}.work.{c}.{p}.{i}", ifUnused: false, ifEmpty: false);
                    }
                }
            }

            await channel.QueueDeleteAsync($"{prefix}.dead-letters", ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync($"{prefix}.work", ifUnused: false);
            await channel.ExchangeDeleteAsync($"{prefix}.dead", ifUnused: false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // Best effort: a broker that is gone takes its queues with it.
        }
    }
}
