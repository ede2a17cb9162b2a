using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Tests.Twilio;

/// <summary>An in-memory vendor: records each request (with its body) and answers with a canned response.</summary>
public sealed class StubHandler(Func<HttpRequestMessage, string, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    public static HttpResponseMessage Json(HttpStatusCode status, string json, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (retryAfterSeconds is { } s)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        return answer(request, body);
    }
}

/// <summary>
/// Stands in for Herald's webhook endpoint: a loopback HTTP listener that records every call as the host would hand it
/// to an adapter (<see cref="InboundCallback"/> with the public URL, headers and raw body) and answers 204.
/// </summary>
public sealed class CallbackReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<InboundCallback> _received = Channel.CreateUnbounded<InboundCallback>();

    public CallbackReceiver()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }

        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>The next call that satisfies <paramref name="where"/>; fails the test after 5 s.</summary>
    public async Task<InboundCallback> NextAsync(Func<InboundCallback, bool>? where = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var callback = await _received.Reader.ReadAsync(cts.Token);
            if (where is null || where(callback))
            {
                return callback;
            }
        }
    }

    public void Dispose() => _listener.Close();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var callback = new InboundCallback(new Uri(BaseUrl + context.Request.RawUrl), context.Request.HttpMethod, headers, body.ToArray(),
                context.Request.ContentType, DateTimeOffset.UtcNow);
            context.Response.StatusCode = 204;
            context.Response.Close();
            _received.Writer.TryWrite(callback);
        }
    }
}
