namespace Herald.Client;

/// <summary>Where the Herald server is, how to authenticate, and how hard to retry.</summary>
public sealed class HeraldClientOptions
{
    /// <summary>The server's base address, e.g. <c>https://herald.example.com/</c>. Required with <c>AddHeraldClient</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>. Null sends no credentials (health probes only).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries after the first attempt (on 503, 429 and, for idempotent or keyed calls, connection failures). Default 3; 0 disables.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The most the client waits in total between attempts of one call; a longer Retry-After ends the retries. Default 30 s.</summary>
    public TimeSpan MaxTotalRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before a retry when the server sends no Retry-After; doubled on each further retry. Default 500 ms.</summary>
    public TimeSpan BaseRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
