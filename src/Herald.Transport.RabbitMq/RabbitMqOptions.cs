namespace Herald.Transport.RabbitMq;

/// <summary>Settings under <c>Herald:Transport:RabbitMq</c> for the distributed mode. Every default is the documented one.</summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "Herald:Transport:RabbitMq";

    /// <summary>AMQP URI of the broker, for example <c>amqp://user:pass@rabbit:5672/herald</c>. Required.</summary>
    public Uri? Uri { get; set; }

    /// <summary>
    /// Queues per lane (channel × priority). Work for one recipient always lands in the same partition (first 4 bytes of
    /// SHA-256 of the recipient id, modulo this count), and a partition has one active consumer, which gives per-recipient
    /// order. Changing it moves recipients between partitions: drain the queues first. Default 4.
    /// </summary>
    public int Partitions { get; set; } = 4;

    /// <summary>
    /// Unacknowledged messages the broker sends ahead to one partition consumer: the next batches wait in the consumer
    /// while one is handled. Keep it well above the lane's batch (Herald:Pipeline:ClaimBatch for in-app, LaneConcurrency
    /// otherwise). Default 512.
    /// </summary>
    public ushort Prefetch { get; set; } = 512;

    /// <summary>
    /// Deliveries of one message that may fail (handler threw or asked to requeue) before it is dead-lettered; set as
    /// <c>x-delivery-limit</c> on every quorum queue (RabbitMQ 3.10 has no default). Default 5.
    /// </summary>
    public int DeliveryLimit { get; set; } = 5;

    /// <summary>Prefix of every exchange and queue name (<c>herald.work</c>, <c>herald.dead</c>, ...). Default "herald".</summary>
    public string ExchangePrefix { get; set; } = "herald";

    /// <summary>First delay before reconnecting after the connection is lost; doubles up to <see cref="ReconnectMax"/>, with jitter. Default 0.5 s.</summary>
    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between reconnect attempts. Default 15 s.</summary>
    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest a publish waits for the broker's confirms before it fails. Default 10 s.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pause of a partition before a message is given back (handler asked to requeue or threw), so an outage of the store
    /// does not burn the delivery limit in a tight loop. Default 1 s.
    /// </summary>
    public TimeSpan RequeueDelay { get; set; } = TimeSpan.FromSeconds(1);
}
