using RabbitMQ.Client;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>One message to publish: persistent, mandatory, confirmed.</summary>
internal readonly record struct OutgoingMessage(string Exchange, string RoutingKey, BasicProperties Properties, ReadOnlyMemory<byte> Body);

/// <summary>
/// Publishes on one channel with publisher confirms and confirmation tracking: each BasicPublishAsync completes when the
/// broker confirmed the message and throws on a nack or a return (mandatory, so an unroutable message fails instead of
/// vanishing). A batch is pipelined (all sent, then all confirms awaited) and bounded by PublishTimeout.
/// </summary>
internal sealed class ConfirmedPublisher(RabbitMqConnection connection, RabbitMqOptions options, TimeProvider time) : IAsyncDisposable
{
    private readonly SemaphoreSlim _channelLock = new(1, 1);
    private IChannel? _channel;
    private IConnection? _channelConnection;

    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(options.PublishTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var pending = new List<Task>(messages.Count);
        try
        {
            var channel = await ChannelAsync(linked.Token);
            foreach (var m in messages)
            {
                pending.Add(channel.BasicPublishAsync(m.Exchange, m.RoutingKey, mandatory: true, m.Properties, m.Body, linked.Token).AsTask());
            }

            await Task.WhenAll(pending);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await Task.WhenAll(pending).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new RabbitMqUnavailableException(
                $"rabbitmq: {messages.Count} messages not confirmed within {options.PublishTimeout.TotalSeconds:0.#} s", ex);
        }
        catch
        {
            // Observe every publish before failing the batch, so none is left unobserved or still writing.
            await Task.WhenAll(pending).ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        var current = await connection.CurrentAsync(ct);
        await _channelLock.WaitAsync(ct);
        try
        {
            if (_channel is { IsOpen: true } open && ReferenceEquals(_channelConnection, current))
            {
                return open;
            }

            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            _channel = null;
            var created = await current.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            _channelConnection = current;
            _channel = created;
            return created;
        }
        finally
        {
            _channelLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        _channelLock.Dispose();
    }
}
