
namespace Herald.Sandbox.Core;

/// <summary>
/// Sends status callbacks back to Herald the way a vendor does: after a short delay, in the background, retried a few
/// times on failure. <see cref="Pending"/> lets tests wait until every callback went out.
/// </summary>
public sealed partial class CallbackClient(HttpClient http, TimeProvider time, ILogger<CallbackClient> logger)
{
    private long _pending;
    private long _sent;
    private long _failed;

    public long Pending => Interlocked.Read(ref _pending);

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Delay before a callback goes out (vendors report status a little after accepting). Default 50 ms.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Queues a callback. <paramref name="build"/> makes a fresh request per attempt (requests cannot be resent).</summary>
    public void Post(Func<HttpRequestMessage> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        Interlocked.Increment(ref _pending);
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Delay, time);
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    try
                    {
                        using var request = build();
                        using var response = await http.SendAsync(request);
                        if (response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref _sent);
                            return;
                        }

                        LogRefused(logger, request.RequestUri, (int)response.StatusCode);
                        if ((int)response.StatusCode is >= 400 and < 500)
                        {
                            break;
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        LogFailed(logger, ex.Message);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time);
                }

                Interlocked.Increment(ref _failed);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        });
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Callback to {Url} answered {Status}")]
    private static partial void LogRefused(ILogger logger, Uri? url, int status);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Callback failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
