using System.Text;
using System.Threading.Channels;

namespace Herald.Server.Tests.Resilience;

public sealed record SseEvent(string? Id, string Type, string Data);

/// <summary>
/// A browser-like EventSource: reads the stream line by line (id:, event:, data:, blank line ends an event), keeps the
/// last event id as browsers do, and hands events to the test through a channel.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Task _reader;

    private SseClient(HttpClient http, HttpResponseMessage response, Stream stream)
    {
        _http = http;
        _response = response;
        _reader = Task.Run(() => ReadAsync(stream, _stop.Token));
    }

    /// <summary>The id of the last event that carried one (what a browser sends back as Last-Event-ID).</summary>
    public string? LastEventId { get; private set; }

    public static async Task<SseClient> ConnectAsync(Uri baseAddress, string path, string? lastEventId = null, string? subscriberToken = null)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.CacheControl = new() { NoCache = true };
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (subscriberToken is not null)
        {
            request.Headers.Add("X-Herald-Subscriber-Token", subscriberToken);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var text = await response.Content.ReadAsStringAsync();
            response.Dispose();
            http.Dispose();
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode} {response.Content.Headers.ContentType}: {text}");
        }

        return new SseClient(http, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, or null when none arrives within the timeout.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        _http.Dispose();
        await _reader.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ReadAsync(Stream stream, CancellationToken ct)
    {
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? id = null;
            var type = "message";
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        LastEventId = id ?? LastEventId;
                        _events.Writer.TryWrite(new SseEvent(id, type, data.ToString().TrimEnd('\n')));
                    }

                    (id, type) = (null, "message");
                    data.Clear();
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "data":
                        data.Append(value).Append('\n');
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // Disconnected on purpose (or by the server); the channel is completed below.
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }
}
