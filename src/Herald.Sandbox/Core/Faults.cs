using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Herald.Sandbox.Core;

/// <summary>
/// Faults to inject for one vendor (or "*" for every vendor). Rates are probabilities per request (0..1); each request
/// draws once and takes the first matching fault in the order: outage, invalid credentials, rate limit, error, then
/// (after accepting) accept-then-timeout.
/// </summary>
public sealed record FaultPlan
{
    /// <summary>Share of requests answered with <see cref="ErrorStatus"/> and <see cref="ErrorCode"/> in the vendor's error format.</summary>
    [JsonPropertyName("error_rate")] public double ErrorRate { get; init; }

    [JsonPropertyName("error_status")] public int ErrorStatus { get; init; } = 503;

    /// <summary>The vendor's error code for the error body (Twilio 20500, FCM UNAVAILABLE, ...); the vendor's default when absent.</summary>
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }

    /// <summary>Added latency before answering, uniform between min and max.</summary>
    [JsonPropertyName("latency_min_ms")] public int LatencyMinMs { get; init; }

    [JsonPropertyName("latency_max_ms")] public int LatencyMaxMs { get; init; }

    /// <summary>Share of requests that are accepted and recorded but whose answer never comes (the connection is dropped later).</summary>
    [JsonPropertyName("accept_then_timeout_rate")] public double AcceptThenTimeoutRate { get; init; }

    /// <summary>How long an accepted-then-timed-out request is held before the connection is dropped. Default 30 s.</summary>
    [JsonPropertyName("accept_then_timeout_ms")] public int AcceptThenTimeoutMs { get; init; } = 30_000;

    /// <summary>Share of requests answered 429 with Retry-After.</summary>
    [JsonPropertyName("rate_limit_rate")] public double RateLimitRate { get; init; }

    [JsonPropertyName("retry_after_seconds")] public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Every request until this time is answered 503 (an outage window).</summary>
    [JsonPropertyName("outage_until")] public DateTimeOffset? OutageUntil { get; init; }

    /// <summary>Shortcut: an outage from now for this many seconds.</summary>
    [JsonPropertyName("outage_seconds")] public int? OutageSeconds { get; init; }

    /// <summary>Every request fails authentication as the vendor does (401/403 and its error body).</summary>
    [JsonPropertyName("invalid_credentials")] public bool InvalidCredentials { get; init; }
}

/// <summary>Holds the fault plans and applies them to vendor requests.</summary>
public sealed class FaultInjector(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, FaultPlan> _plans = new(StringComparer.Ordinal);
    private long _injected;

    /// <summary>How many requests got an injected fault so far.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    public void Set(string vendor, FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.OutageSeconds is { } s)
        {
            plan = plan with { OutageUntil = time.GetUtcNow().AddSeconds(s), OutageSeconds = null };
        }

        _plans[vendor] = plan;
    }

    public void Clear() => _plans.Clear();

    public IReadOnlyDictionary<string, FaultPlan> All => _plans;

    public FaultPlan? PlanFor(string vendor) => _plans.TryGetValue(vendor, out var p) ? p : _plans.TryGetValue("*", out var any) ? any : null;

    /// <summary>True when the vendor should refuse credentials (handlers check it where they check auth).</summary>
    public bool InvalidCredentials(string vendor) => PlanFor(vendor)?.InvalidCredentials == true;

    /// <summary>
    /// Applies latency, outage, rate limit and error faults before the vendor handles a request. Returns the answer to
    /// send instead, or null to go on.
    /// </summary>
    public async Task<IResult?> BeforeAsync(ISandboxVendor vendor, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(vendor);
        ArgumentNullException.ThrowIfNull(http);
        if (PlanFor(vendor.Key) is not { } plan)
        {
            return null;
        }

        if (plan.LatencyMaxMs > 0)
        {
            var ms = Random.Shared.Next(plan.LatencyMinMs, Math.Max(plan.LatencyMinMs, plan.LatencyMaxMs) + 1);
            await Task.Delay(TimeSpan.FromMilliseconds(ms), time, http.RequestAborted);
        }

        if (plan.OutageUntil is { } until && time.GetUtcNow() < until)
        {
            Interlocked.Increment(ref _injected);
            return vendor.ErrorResult(503, null, "Service Unavailable (sandbox outage)");
        }

        var draw = Random.Shared.NextDouble();
        if (draw < plan.RateLimitRate)
        {
            Interlocked.Increment(ref _injected);
            http.Response.Headers.RetryAfter = plan.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return vendor.ErrorResult(429, null, "Too Many Requests (sandbox)");
        }

        if (draw < plan.RateLimitRate + plan.ErrorRate)
        {
            Interlocked.Increment(ref _injected);
            return vendor.ErrorResult(plan.ErrorStatus, plan.ErrorCode, $"injected error {plan.ErrorStatus} (sandbox)");
        }

        return null;
    }

    /// <summary>
    /// Call after the message was accepted and recorded: with the plan's accept-then-timeout rate, holds the answer and then
    /// drops the connection, so the caller never learns that the message was accepted. Returns true when it did.
    /// </summary>
    public async Task<bool> AfterAcceptAsync(string vendor, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (PlanFor(vendor) is not { AcceptThenTimeoutRate: > 0 } plan || Random.Shared.NextDouble() >= plan.AcceptThenTimeoutRate)
        {
            return false;
        }

        Interlocked.Increment(ref _injected);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(plan.AcceptThenTimeoutMs), time, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up first, as intended.
        }

        http.Abort();
        return true;
    }
}
