namespace Herald.Server.Tests.Infrastructure;

/// <summary>Bounded polling, so a condition that never comes true fails the test instead of hanging it.</summary>
public static class Polling
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string? because = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            bool met;
            try
            {
                met = await condition().WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"one check of the condition took over {timeout.TotalSeconds:0.#} s" + (because is null ? "" : $": {because}"));
            }

            if (met)
            {
                return;
            }

            try
            {
                await Task.Delay(Interval, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds:0.#} s" + (because is null ? "" : $": {because}"));
            }
        }
    }
}
