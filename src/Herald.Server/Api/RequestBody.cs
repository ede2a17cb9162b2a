using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

/// <summary>Reads a JSON body with a clear problem for each way it can be wrong: too large, malformed, mistyped, unknown field.</summary>
internal static class RequestBody
{
    public const int MaxBytes = 256 * 1024;

    public sealed record Read<T>(T? Value, ProblemHttpResult? Problem, string Hash);

    public static async Task<Read<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return new(null, TooLarge(), "");
        }

        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, TooLarge(), "");
        }

        if (bytes.Length > MaxBytes)
        {
            return new(null, TooLarge(), "");
        }

        var hash = Convert.ToHexString(SHA256.HashData(bytes));
        if (bytes.Length == 0)
        {
            return new(null, Problems.Field(400, "malformed-json", "The request body is not valid JSON.", "", "the request body is empty"), hash);
        }

        if (!IsWellFormed(bytes))
        {
            return new(null, Problems.Field(400, "malformed-json", "The request body is not valid JSON.", "", "the body is not valid JSON"), hash);
        }

        try
        {
            var value = JsonSerializer.Deserialize(bytes, type);
            return value is null
                ? new(null, Problems.Field(400, "malformed-json", "The request body is not valid JSON.", "", "the body must be a JSON object"), hash)
                : new(value, null, hash);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                return new(null, Problems.Field(400, "unknown-field", "The request has an unknown field.", field, $"unknown field '{field}'"), hash);
            }

            return ex.Path is null or "$"
                ? new(null, Problems.Field(400, "malformed-json", "The request body is not valid JSON.", field, "the body is not valid JSON"), hash)
                : new(null, Problems.Field(400, "validation", "The request is invalid.", field, $"'{field}' has the wrong type or format"), hash);
        }
    }

    /// <summary>Syntax first, so a syntax error deep in an object is reported as malformed, not as that field's type.</summary>
    private static bool IsWellFormed(byte[] bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Field(413, "payload-too-large", "The request body is too large.", "", $"the body exceeds {MaxBytes / 1024} KiB");

    private static string FieldOf(string? path) => path is null or "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
