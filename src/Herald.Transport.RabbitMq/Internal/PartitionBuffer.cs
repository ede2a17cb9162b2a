using Herald.Core.Transport;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>A message as received: its own copy of the body and headers, valid after the delivery callback returns.</summary>
internal sealed record Received(ulong DeliveryTag, byte[] Body, string? MessageId, IDictionary<string, object?>? Headers);

/// <summary>
/// The messages a partition consumer has received and not yet handed to the handler, in arrival order, and the batches
/// taken from them. Not thread-safe: one partition's processing loop owns it.
/// </summary>
/// <remarks>
/// A batch holds at most one message per recipient, that recipient's earliest, so one recipient's work is handled in
/// order and never twice at once. When a message is given back (requeued), the broker redelivers it after the messages it
/// has already sent ahead to us; until it returns and is settled, the recipient's later messages stay here (unacked, so
/// their delivery count is untouched) while other recipients go on.
/// </remarks>
internal sealed class PartitionBuffer
{
    private readonly List<(WorkItem Item, Received Message)> _pending = [];
    private readonly Dictionary<string, string> _awaiting = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    public void Add(WorkItem item, Received message) => _pending.Add((item, message));

    /// <summary>Removes and returns up to <paramref name="max"/> messages of distinct recipients, each its recipient's next one.</summary>
    public List<(WorkItem Item, Received Message)> TakeBatch(int max)
    {
        var batch = new List<(WorkItem Item, Received Message)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var rest = new List<(WorkItem Item, Received Message)>(_pending.Count);
        foreach (var entry in _pending)
        {
            var recipient = entry.Item.RecipientId;
            // A recipient that waits for a given-back message goes on with that message only; a duplicate with the same
            // delivery id stands in for it just as well (the store settles duplicates).
            var eligible = batch.Count < max && !taken.Contains(recipient)
                && (!_awaiting.TryGetValue(recipient, out var awaited) || string.Equals(awaited, entry.Item.DeliveryId, StringComparison.Ordinal));
            if (eligible)
            {
                taken.Add(recipient);
                batch.Add(entry);
            }
            else
            {
                rest.Add(entry);
            }
        }

        _pending.Clear();
        _pending.AddRange(rest);
        return batch;
    }

    /// <summary>The lowest delivery tag of the messages still held (unacked, not in a batch); <see cref="ulong.MaxValue"/> when none.</summary>
    public ulong LowestTag()
    {
        var lowest = ulong.MaxValue;
        foreach (var (_, message) in _pending)
        {
            lowest = Math.Min(lowest, message.DeliveryTag);
        }

        return lowest;
    }

    /// <summary>
    /// How to ack <paramref name="acked"/> (delivery tags of one channel) without touching a message that is still
    /// unsettled: every tag below <paramref name="floor"/> (the lowest tag still held or to be given back) that is not
    /// acked now was settled before, so one ack with <c>multiple</c> up to the highest of them covers them all; the tags
    /// above the floor are acked one by one. With no message held back, a whole batch is one ack frame and one settle
    /// in the quorum queue instead of one per message.
    /// </summary>
    public static (ulong? UpTo, List<ulong> Singles) AckPlan(IReadOnlyList<ulong> acked, ulong floor)
    {
        ulong? upTo = null;
        var singles = new List<ulong>();
        foreach (var tag in acked)
        {
            if (tag < floor)
            {
                upTo = upTo is { } u ? Math.Max(u, tag) : tag;
            }
            else
            {
                singles.Add(tag);
            }
        }

        return (upTo, singles);
    }

    /// <summary>The message was settled (acked or dead-lettered): the recipient's later messages may go on.</summary>
    public void Settled(WorkItem item) => _awaiting.Remove(item.RecipientId);

    /// <summary>The message was given back: the recipient's later messages wait until it returns and is settled.</summary>
    public void GivenBack(WorkItem item) => _awaiting[item.RecipientId] = item.DeliveryId;
}
