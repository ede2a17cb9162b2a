using System.Globalization;

namespace Herald.Providers.Routing;

/// <summary>A provider account's send rate, kept in this process or shared through the store.</summary>
public interface IRateBucket
{
    double PerSecond { get; }

    /// <summary>Waits up to <paramref name="maxWait"/> for a token. False (and the wait still needed) when it would take longer.</summary>
    Task<(bool Taken, TimeSpan Wait)> TakeAsync(TimeSpan maxWait, CancellationToken ct);
}

/// <summary>
/// A token bucket per provider account ("1/s" for a Twilio long code, "100/s" for a short code): at most
/// <c>rate</c> sends per period on average, bursts up to one period's worth. Thread-safe; time from a TimeProvider.
/// </summary>
public sealed class TokenBucket : IRateBucket
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private double _tokens;
    private long _last;

    public TokenBucket(double perSecond, double capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _perSecond = perSecond;
        _capacity = capacity;
        _time = time;
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    public double PerSecond => _perSecond;

    /// <summary>Parses "count/unit" (unit s, m or h, optionally with a number: "10/1s", "600/m").</summary>
    public static TokenBucket Parse(string spec, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            throw new FormatException($"'{spec}' is not a rate like 1/s or 600/m");
        }

        var unit = parts[1];
        var digits = unit.TakeWhile(char.IsDigit).Count();
        var n = digits == 0 ? 1 : int.Parse(unit[..digits], CultureInfo.InvariantCulture);
        var seconds = unit[digits..] switch
        {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => throw new FormatException($"'{spec}': the unit must be s, m or h"),
        } * n;
        return new TokenBucket(count / seconds, Math.Max(1, count), time);
    }

    public double Capacity => _capacity;

    /// <summary>Takes a token now, or says how long until one is free (and takes nothing).</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_gate)
        {
            Refill();
            if (_tokens >= 1)
            {
                _tokens -= 1;
                wait = TimeSpan.Zero;
                return true;
            }

            wait = TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="maxWait"/> for a token. False (and the wait still needed) when it would take longer.</summary>
    public async Task<(bool Taken, TimeSpan Wait)> TakeAsync(TimeSpan maxWait, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + maxWait;
        while (true)
        {
            if (TryTake(out var wait))
            {
                return (true, TimeSpan.Zero);
            }

            if (_time.GetUtcNow() + wait > deadline)
            {
                return (false, wait);
            }

            await Task.Delay(wait, _time, ct);
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _tokens = Math.Min(_capacity, _tokens + elapsed * _perSecond);
    }
}
