using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Client;

namespace Herald.Cli;

/// <summary>The server answered with an error; <see cref="Problem"/> is its RFC 9457 body when it sent one.</summary>
internal sealed class ProblemException(int status, JsonObject? problem, string fallback)
    : Exception(problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? fallback)
{
    public int Status { get; } = status;

    public JsonObject? Problem { get; } = problem;
}

/// <summary>The server could not be reached at all.</summary>
internal sealed class UnreachableException(Uri server, Exception inner) : Exception($"cannot reach Herald at {server}: {inner.Message}", inner);

/// <summary>The command line or an input file is wrong; nothing was sent for it.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Herald's HTTP API as JSON documents (snake_case, as on the wire), with problems and network failures as exceptions.</summary>
internal sealed class HeraldApi : IDisposable
{
    private readonly HttpClient _http;

    public HeraldApi(Uri server, string? apiKey, TimeSpan timeout)
    {
        Server = server;
#pragma warning disable RS0030 // One client for the life of a command-line process; IHttpClientFactory would add a container for nothing.
        _http = new HttpClient { BaseAddress = server, Timeout = timeout };
#pragma warning restore RS0030
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey.Trim());
        }

        Client = new HeraldClient(_http);
    }

    public Uri Server { get; }

    /// <summary>The typed client over the same connection and key (commands being moved onto it use <see cref="CallAsync"/>).</summary>
    public HeraldClient Client { get; }

    /// <summary>A <see cref="Client"/> call, its failures turned into the CLI's own (a problem, an unreachable server).</summary>
    public async Task<T> CallAsync<T>(Func<HeraldClient, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(Client, ct);
        }
        catch (HeraldApiException ex)
        {
            throw new ProblemException((int)ex.StatusCode, ex.Problem, ex.Message);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.StatusCode is null)
        {
            throw new UnreachableException(Server, ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new UnreachableException(Server, new TimeoutException($"no answer within {_http.Timeout.TotalSeconds:0} s", ex));
        }
    }

    public Task<JsonNode> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonNode> PostAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonNode> PutAsync(string path, JsonNode body, CancellationToken ct) => SendAsync(HttpMethod.Put, path, body, ct);

    /// <summary>GET that returns the status with the body instead of throwing (for /readyz, where 503 is an answer).</summary>
    public async Task<(int Status, JsonNode Body)> GetWithStatusAsync(string path, CancellationToken ct)
    {
        using var response = await CallAsync(HttpMethod.Get, path, null, ct);
        return ((int)response.StatusCode, await ReadAsync(response, ct) ?? new JsonObject());
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var response = await CallAsync(method, path, body, ct);
        var json = await ReadAsync(response, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProblemException((int)response.StatusCode, json as JsonObject, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return json ?? new JsonObject();
    }

    private async Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        try
        {
            return await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.StatusCode is null)
        {
            throw new UnreachableException(Server, ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new UnreachableException(Server, new TimeoutException($"no answer within {_http.Timeout.TotalSeconds:0} s", ex));
        }
    }

    private static async Task<JsonNode?> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (string.IsNullOrWhiteSpace(text) || response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return new JsonObject { ["title"] = "The server answered with something that is not JSON.", ["detail"] = text.Length > 200 ? text[..200] : text };
        }
    }
}
