namespace Herald.Server.Hosting;

/// <summary>
/// Settings under <c>Herald:Requests</c>: how slow a client may be before Kestrel drops its connection, so a few clients
/// trickling bytes (slowloris) cannot hold connections, threads or request slots. Validated at start.
/// </summary>
public sealed class RequestLimitsOptions
{
    public const string SectionName = "Herald:Requests";

    /// <summary>Least average rate a request body must arrive at once the grace period is over, in bytes per second. Default 240 (Kestrel's).</summary>
    public double MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a body may arrive slower than <see cref="MinBodyBytesPerSecond"/> before the check applies; more than 1 s. Default 5 s.</summary>
    public TimeSpan MinBodyRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time a client may take to send the request line and headers. Default 10 s (Kestrel's is 30 s).</summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
