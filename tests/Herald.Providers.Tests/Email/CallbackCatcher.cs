using System.Net;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Smtp;

namespace Herald.Providers.Tests.Email;

/// <summary>
/// A tiny HTTP endpoint on loopback that stands in for Herald's webhook route: it records each vendor callback as the
/// host would hand it to an adapter (<see cref="InboundCallback"/>) and answers 200.
/// </summary>
public sealed class CallbackCatcher : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<InboundCallback> _received = [];
    private readonly SemaphoreSlim _arrived = new(0);

    public CallbackCatcher()
    {
        var port = SmtpSinkFixture.FreePort();
        Url = $"http://127.0.0.1:{port}/api/v1/webhooks/email";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>Waits until <paramref name="count"/> callbacks arrived (failing after 10 s) and returns them in order.</summary>
    public async Task<IReadOnlyList<InboundCallback>> WaitForAsync(int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_received)
            {
                if (_received.Count >= count)
                {
                    return [.. _received];
                }
            }

            await _arrived.WaitAsync(cts.Token);
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _arrived.Dispose();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var callback = new InboundCallback(new Uri(Url), context.Request.HttpMethod, headers, body.ToArray(), context.Request.ContentType, DateTimeOffset.UtcNow);
            lock (_received)
            {
                _received.Add(callback);
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
            _arrived.Release();
        }
    }
}
