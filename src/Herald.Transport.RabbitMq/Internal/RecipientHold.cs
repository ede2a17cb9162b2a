using Herald.Core.Transport;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>A message as received: its own copy of the body and headers, valid after the delivery callback returns.</summary>
internal sealed record Received(ulong DeliveryTag, byte[] Body, string? MessageId, IDictionary<string, object?>? Headers);

/// <summary>
/// Per channel (not thread-safe; the channel dispatches one message at a time): which recipients wait for a given-back
/// message to come back, and the later messages of theirs held until it has been settled.
/// </summary>
internal sealed class RecipientHold
{
    private readonly Dictionary<string, string> _awaiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<(WorkItem Item, Received Message)>> _held = new(StringComparer.Ordinal);

    /// <summary>True when the recipient waits for a given-back message; <paramref name="isAwaited"/> when this is that message.</summary>
    public bool IsHeld(WorkItem item, out bool isAwaited)
    {
        if (_awaiting.TryGetValue(item.RecipientId, out var awaited))
        {
            // A duplicate with the same delivery id stands in for it just as well: the store settles duplicates.
            isAwaited = string.Equals(awaited, item.DeliveryId, StringComparison.Ordinal);
            return true;
        }

        isAwaited = false;
        return false;
    }

    public void Await(WorkItem item) => _awaiting[item.RecipientId] = item.DeliveryId;

    public void Release(string recipientId) => _awaiting.Remove(recipientId);

    public void Add(WorkItem item, Received message)
    {
        if (!_held.TryGetValue(item.RecipientId, out var queue))
        {
            _held[item.RecipientId] = queue = new Queue<(WorkItem, Received)>();
        }

        queue.Enqueue((item, message));
    }

    public (WorkItem Item, Received Message)? TakeNext(string recipientId)
    {
        if (!_held.TryGetValue(recipientId, out var queue))
        {
            return null;
        }

        var next = queue.Dequeue();
        if (queue.Count == 0)
        {
            _held.Remove(recipientId);
        }

        return next;
    }
}
