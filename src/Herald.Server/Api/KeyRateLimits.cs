using System.Globalization;
using System.Threading.RateLimiting;
using Herald.Core.Domain;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>Settings under <c>Herald:RateLimits</c>: the limits of an API key that sets none of its own.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Herald:RateLimits";

    /// <summary>Requests per second per API key, for keys without their own limit. 0 (default): unlimited.</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>Notifications per second per API key (a batch of N counts N), for keys without their own limit. 0 (default): unlimited.</summary>
    public int NotificationsPerSecond { get; set; }
}

/// <summary>The limits of the request's key, after the deployment's defaults (null: that one is unlimited).</summary>
internal sealed record KeyLimits(string KeyId, int? Requests, int? Notifications);

/// <summary>
/// Per-key rate limits on System.Threading.RateLimiting: a token bucket per key and policy that holds one second's
/// worth of permits and refills continuously. Requests take one permit each in ASP.NET Core's rate-limiting middleware
/// (<see cref="Requests"/> is its global limiter); sends take one notification permit per notification they create
/// (<see cref="TakeNotifications"/>, called once the body is valid). Answers of a limited key carry the
/// <c>RateLimit-Policy</c> and <c>RateLimit</c> fields of draft-ietf-httpapi-ratelimit-headers-10.
/// </summary>
/// <remarks>
/// The limits travel with the key the authentication handler already holds (cached, so no store read per request). A
/// partition is a key id and its limit: a changed limit is a fresh bucket, the old one is dropped once idle. Buckets are
/// per process; behind a load balancer each node allows the full limit.
/// </remarks>
internal sealed class KeyRateLimits : IDisposable
{
    public const int MaxPerSecond = 1_000_000;
    public const string RequestsPolicy = "requests";
    public const string NotificationsPolicy = "notifications";

    private readonly RateLimitOptions _defaults;
    private readonly PartitionedRateLimiter<Bucket> _requests = Buckets();
    private readonly PartitionedRateLimiter<Bucket> _notifications = Buckets();

    public KeyRateLimits(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _defaults = options.Value;
        Requests = new RequestLimiter(this);
    }

    /// <summary>One permit per request of a limited key; every other request passes without touching a bucket.</summary>
    public PartitionedRateLimiter<HttpContext> Requests { get; }

    /// <summary>Whether <paramref name="perSecond"/> is a limit a key may hold.</summary>
    public static bool IsValid(int perSecond) => perSecond is > 0 and <= MaxPerSecond;

    /// <summary>The key's limits with the deployment's defaults filled in.</summary>
    public KeyLimits LimitsOf(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Id, key.RequestsPerSecond ?? Default(_defaults.RequestsPerSecond), key.NotificationsPerSecond ?? Default(_defaults.NotificationsPerSecond));
    }

    /// <summary>
    /// Called by the API-key handler for the accepted key: a limited key's limits go on the request, and its answer,
    /// whatever it is, gets the rate-limit fields. An unlimited key costs nothing here.
    /// </summary>
    public void Attach(HttpContext http, ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (key is { RequestsPerSecond: null, NotificationsPerSecond: null } && _defaults is { RequestsPerSecond: 0, NotificationsPerSecond: 0 })
        {
            return;
        }

        var limits = LimitsOf(key);
        if (limits is { Requests: null, Notifications: null })
        {
            return;
        }

        http.Features.Set(limits);
        http.Response.OnStarting(static state =>
        {
            var (self, context, keyLimits) = ((KeyRateLimits, HttpContext, KeyLimits))state;
            self.WriteFields(context.Response.Headers, keyLimits);
            return Task.CompletedTask;
        }, (this, http, limits));
    }

    /// <summary>
    /// Takes <paramref name="count"/> notification permits of the request's key: null when granted or the key is not
    /// limited, else the answer (429 with Retry-After; 422 for a batch larger than a whole second's budget, which no wait would let through).
    /// </summary>
    public IResult? TakeNotifications(HttpContext http, int count)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Features.Get<KeyLimits>() is not { Notifications: { } perSecond } limits)
        {
            return null;
        }

        if (count > perSecond)
        {
            return Problems.Unprocessable("batch-over-rate-limit", "recipient_ids",
                $"this API key may send {perSecond} notifications per second and the batch has {count}: split it into batches of at most {perSecond}");
        }

        using var lease = _notifications.AttemptAcquire(new Bucket(limits.KeyId, perSecond), count);
        return lease.IsAcquired ? null : TooMany(lease, $"this API key may send {perSecond} notifications per second (a batch counts each recipient)");
    }

    /// <summary>The rate-limiting middleware's answer when a request is over its key's limit.</summary>
    public static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var perSecond = context.HttpContext.Features.Get<KeyLimits>()?.Requests;
        return new(TooMany(context.Lease, $"this API key may make {perSecond} requests per second").ExecuteAsync(context.HttpContext));
    }

    public void Dispose()
    {
        Requests.Dispose();
        _requests.Dispose();
        _notifications.Dispose();
    }

    private static int? Default(int perSecond) => perSecond > 0 ? perSecond : null;

    private static RetryAfterResult TooMany(RateLimitLease lease, string detail)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return new(Problems.Plain(429, "rate-limited", "Too many requests.", detail + "; retry after the delay"), Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
    }

    /// <summary>
    /// <c>RateLimit-Policy: "requests";q=10;w=1, "notifications";q=100;w=1</c> and <c>RateLimit: "requests";r=9;t=1, …</c>:
    /// r is what is left now, t the seconds until the bucket is full again (a bucket refills in at most its one-second window).
    /// </summary>
    private void WriteFields(IHeaderDictionary headers, KeyLimits limits)
    {
        string? policy = null, current = null;
        foreach (var (name, limiter, perSecond) in new[] { (RequestsPolicy, _requests, limits.Requests), (NotificationsPolicy, _notifications, limits.Notifications) })
        {
            if (perSecond is not { } q)
            {
                continue;
            }

            var left = Math.Clamp(limiter.GetStatistics(new Bucket(limits.KeyId, q))?.CurrentAvailablePermits ?? q, 0, q);
            var item = string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={q};w=1");
            var state = string.Create(CultureInfo.InvariantCulture, $"\"{name}\";r={left};t={(left >= q ? 0 : 1)}");
            policy = policy is null ? item : policy + ", " + item;
            current = current is null ? state : current + ", " + state;
        }

        headers["RateLimit-Policy"] = policy;
        headers["RateLimit"] = current;
    }

    private static PartitionedRateLimiter<Bucket> Buckets() =>
        PartitionedRateLimiter.Create<Bucket, Bucket>(bucket => RateLimitPartition.GetTokenBucketLimiter(bucket, static b => new TokenBucketRateLimiterOptions
        {
            TokenLimit = b.PerSecond,
            TokensPerPeriod = b.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            // The partitioned limiter's own 100 ms heartbeat refills every bucket: no timer per key.
            AutoReplenishment = false,
        }));

    /// <summary>A key and the limit it had when the bucket was made.</summary>
    private readonly record struct Bucket(string KeyId, int PerSecond);

    /// <summary>The middleware's global limiter: the request's key bucket, or a granted lease for a request no limit applies to.</summary>
    private sealed class RequestLimiter(KeyRateLimits owner) : PartitionedRateLimiter<HttpContext>
    {
        public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
            resource.Features.Get<KeyLimits>() is { Requests: { } q } limits ? owner._requests.GetStatistics(new Bucket(limits.KeyId, q)) : null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
            resource.Features.Get<KeyLimits>() is { Requests: { } q } limits ? owner._requests.AttemptAcquire(new Bucket(limits.KeyId, q), permitCount) : Granted.Lease;

        // No queue: a request over its limit is answered at once, so the middleware's wait is a second look at the bucket.
        protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));
    }

    private sealed class Granted : RateLimitLease
    {
        public static readonly Granted Lease = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
