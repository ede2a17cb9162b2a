using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>JSON over the real HTTP client, read as <see cref="JsonNode"/> so assertions see the wire names (snake_case).</summary>
public static class HttpJson
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, JsonNode? body, string? idempotencyKey = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, body?.ToJsonString() ?? "", idempotencyKey);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, JsonNode body) =>
        client.SendJsonAsync(HttpMethod.Put, path, body.ToJsonString());

    /// <summary>Sends <paramref name="rawJson"/> as is (for malformed bodies).</summary>
    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, string rawJson, string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(rawJson, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostEmptyAsync(this HttpClient client, string path) =>
        client.PostAsync(new Uri(path, UriKind.Relative), null);

    /// <summary>GETs <paramref name="path"/>, expects 200 and returns the JSON body.</summary>
    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await response.ShouldHaveStatusAsync(200);
    }

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("the body is JSON null");
    }

    /// <summary>Asserts the status (showing the body when it differs) and returns the JSON body.</summary>
    public static async Task<JsonNode> ShouldHaveStatusAsync(this HttpResponseMessage response, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldNotBeNull().ShouldEndWith("json");
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("the body is JSON null");
    }

    public static string Str(this JsonNode? node, string name) => node?[name]?.GetValue<string>() ?? throw new KeyNotFoundException($"no string '{name}' in {node?.ToJsonString()}");

    public static string? StrOrNull(this JsonNode? node, string name) => node?[name]?.GetValue<string>();
}
