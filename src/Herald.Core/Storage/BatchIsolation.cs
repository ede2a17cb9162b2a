namespace Herald.Core.Storage;

/// <summary>
/// Poison isolation for batched writes: a batch the store refuses because of one item's data (a
/// <see cref="StoreDataException"/>) is split in halves, each written on its own, down to the single item that fails,
/// so every other item commits. With one bad item among n this costs about 2·log2(n) transactions, not n. The halves
/// are written in order, so what the earlier items of the batch decide (the first of two equal idempotency keys wins)
/// still holds. Any other failure (connection, deadlock) propagates as before: the caller's retry covers it.
/// </summary>
public static class BatchIsolation
{
    /// <summary>
    /// Writes <paramref name="items"/> through <paramref name="write"/>; returns each item's result, or for an item the
    /// store refused, the default result and the store's reason.
    /// </summary>
    public static async Task<(TResult?[] Results, string?[] Refusals)> WriteAsync<TItem, TResult>(
        IReadOnlyList<TItem> items, Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(write);
        var results = new TResult?[items.Count];
        var refusals = new string?[items.Count];
        if (items.Count > 0)
        {
            await WriteRangeAsync(items, 0, items.Count, write, results, refusals);
        }

        return (results, refusals);
    }

    /// <summary>
    /// Writes a batch of a store's own items with isolation; each refused item is then written as
    /// <paramref name="substitute"/> makes it (a plan or completion reduced to <c>failed</c> and the reason), so it is
    /// settled and never tried again. A substitute the store refuses too is left unwritten (its lease runs out and the
    /// ordinary expiry path takes it); the item stays reported as refused either way.
    /// </summary>
    public static async Task<BatchResults> WriteWithSubstitutesAsync<TItem>(
        IReadOnlyList<TItem> items, Func<IReadOnlyList<TItem>, Task<IReadOnlyList<bool>>> write, Func<TItem, string, TItem> substitute)
    {
        ArgumentNullException.ThrowIfNull(substitute);
        var (results, refusals) = await WriteAsync<TItem, bool>(items, write);
        for (var i = 0; i < refusals.Length; i++)
        {
            if (refusals[i] is { } reason)
            {
                try
                {
                    await write([substitute(items[i], reason)]);
                }
                catch (StoreDataException)
                {
                    // Nothing more to strip: see the summary.
                }
            }
        }

        return new BatchResults([.. results], [.. refusals]);
    }

    private static async Task WriteRangeAsync<TItem, TResult>(IReadOnlyList<TItem> items, int start, int count,
        Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write, TResult?[] results, string?[] refusals)
    {
        var part = start == 0 && count == items.Count ? items : items.Skip(start).Take(count).ToList();
        try
        {
            var written = await write(part);
            for (var i = 0; i < count; i++)
            {
                results[start + i] = written[i];
            }
        }
        catch (StoreDataException ex)
        {
            if (count == 1)
            {
                refusals[start] = ex.Message;
                return;
            }

            var half = count / 2;
            await WriteRangeAsync(items, start, half, write, results, refusals);
            await WriteRangeAsync(items, start + half, count - half, write, results, refusals);
        }
    }
}

/// <summary>
/// Per item of a batched write: whether it was applied (the list), and for an item whose own data the store refused,
/// the store's reason (<see cref="RefusalOf"/>); a refused item reads as not applied.
/// </summary>
public sealed class BatchResults : IReadOnlyList<bool>
{
    private readonly bool[] _applied;
    private readonly string?[] _refusals;

    public BatchResults(IReadOnlyList<bool> applied, IReadOnlyList<string?>? refusals = null)
    {
        ArgumentNullException.ThrowIfNull(applied);
        _applied = [.. applied];
        _refusals = refusals is null ? new string?[_applied.Length] : [.. refusals];
        for (var i = 0; i < _refusals.Length; i++)
        {
            _applied[i] &= _refusals[i] is null;
        }
    }

    public int Count => _applied.Length;

    public bool this[int index] => _applied[index];

    /// <summary>Why the store refused item <paramref name="index"/>, or null when it did not.</summary>
    public string? RefusalOf(int index) => _refusals[index];

    /// <summary>Whether the store refused any item.</summary>
    public bool AnyRefused => _refusals.Any(r => r is not null);

    public IEnumerator<bool> GetEnumerator() => ((IEnumerable<bool>)_applied).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
