using Google.Apis.Http;

namespace Herald.Providers.Fcm;

/// <summary>
/// Sends Google.Apis.Auth's token requests through the provider's own <see cref="HttpClient"/> (the host's factory-made
/// client, with its handlers and limits) instead of a client the library would build itself.
/// </summary>
internal sealed class GoogleHttpBridge(HttpClient http) : HttpClientFactory
{
    protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new Forwarder(http);

    private sealed class Forwarder(HttpClient http) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // A request message can go through one HttpClient only, and Google's client has already claimed this one.
            using var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
            foreach (var header in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            if (request.Content is { } content)
            {
                copy.Content = new ByteArrayContent(await content.ReadAsByteArrayAsync(cancellationToken));
                foreach (var header in content.Headers.Where(h => !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
                {
                    copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            return await http.SendAsync(copy, cancellationToken);
        }
    }
}
