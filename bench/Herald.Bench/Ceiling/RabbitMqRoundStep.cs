using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.Bench.Ceiling;

/// <summary>
/// Distributed mode's hand-off of a delivery to a lane worker: a persistent message published with a confirm to a
/// quorum queue and consumed with manual acks. The rate counts consumed messages, so one item is a full round.
/// </summary>
internal static class RabbitMqRoundStep
{
    private const int Publishers = 2;
    private const int InFlightPerPublisher = 50;
    private const ushort Prefetch = 100;
    private const int AckEvery = 50;

    public static async Task<CeilingStep> MeasureAsync(Uri uri, TimeSpan duration, CancellationToken ct)
    {
        var queue = $"herald.bench.ceiling.{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { Uri = uri };
        await using var connection = await factory.CreateConnectionAsync("herald-bench-ceiling", ct);
        await using var publisher = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await using var receiver = await connection.CreateChannelAsync(cancellationToken: ct);
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        try
        {
            var consumed = new CeilingProbe.Counter();
            var unacked = 0;
            var consumer = new AsyncEventingBasicConsumer(receiver);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                // Deliveries on one channel are dispatched one at a time, so the plain counter is safe.
                consumed.Add(1);
                if (++unacked == AckEvery)
                {
                    unacked = 0;
                    await receiver.BasicAckAsync(delivery.DeliveryTag, multiple: true, delivery.CancellationToken);
                }
            };
            await receiver.BasicQosAsync(0, Prefetch, global: false, ct);
            var consumerTag = await receiver.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

            var body = Encoding.UTF8.GetBytes(DeliveryRow.Content);
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
            var rate = await CeilingProbe.RateAsync(duration, Publishers, async (_, token) =>
            {
                // With confirmation tracking each publish completes on its confirm; a group keeps many outstanding.
                var confirms = new Task[InFlightPerPublisher];
                for (var i = 0; i < confirms.Length; i++)
                {
                    confirms[i] = publisher.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body, token).AsTask();
                }

                await Task.WhenAll(confirms);
                return 0;
            }, ct, consumed);
            await receiver.BasicCancelAsync(consumerTag, cancellationToken: ct);
            return CeilingProbe.Step(CeilingProbe.RabbitMqRound, "messages", rate,
                $"quorum queue, persistent {body.Length} B, confirms ({Publishers}×{InFlightPerPublisher} in flight), prefetch {Prefetch}, ack every {AckEvery}");
        }
        finally
        {
            await publisher.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
        }
    }
}
