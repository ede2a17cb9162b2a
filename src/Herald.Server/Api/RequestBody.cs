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

        if (FindBadText(bytes) is { } bad)
        {
            return new(null, Problems.Field(400, "validation", "The request is invalid.", bad.Field, bad.Detail), hash);
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

    /// <summary>
    /// Every string of the body, keys included, through <see cref="Validate.TextFault"/>: a NUL or an unpaired surrogate
    /// anywhere (an id, an event type, a data value or key, a template part, a profile field) is refused here, naming the
    /// field, before any endpoint sees it. Without this a lone surrogate failed deserialization as a 500, and a NUL passed
    /// to PostgreSQL, which cannot store it, failing every request of its group commit.
    /// </summary>
    private static (string Field, string Detail)? FindBadText(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        var path = new List<Frame>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var (name, keyFault) = ReadText(ref reader);
                    if (keyFault is not null)
                    {
                        path[^1] = path[^1] with { Name = null };
                        var parent = PathOf(path);
                        return (parent, $"a key of '{(parent.Length == 0 ? "the body" : parent)}' {keyFault}");
                    }

                    path[^1] = path[^1] with { Name = name };
                    continue;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    path.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, 0, null));
                    continue;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    break;
                case JsonTokenType.String:
                    var (_, fault) = ReadText(ref reader);
                    if (fault is not null)
                    {
                        var field = PathOf(path);
                        return (field, $"'{field}' {fault}");
                    }

                    break;
            }

            // A value ended: the next one of an array has the next index.
            if (path.Count > 0 && path[^1].IsArray)
            {
                path[^1] = path[^1] with { Index = path[^1].Index + 1 };
            }
        }

        return null;
    }

    private static (string Text, string? Fault) ReadText(ref Utf8JsonReader reader)
    {
        try
        {
            var text = reader.GetString()!;
            return (text, Validate.TextFault(text, ids: false));
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped lone surrogate or invalid UTF-8.
            return ("", "contains an unpaired surrogate or invalid UTF-8 (not valid Unicode)");
        }
    }

    private static string PathOf(List<Frame> path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var frame in path)
        {
            if (frame.IsArray)
            {
                text.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Name is not null)
            {
                text.Append(text.Length == 0 ? "" : ".").Append(frame.Name);
            }
        }

        return text.ToString();
    }

    /// <summary>Where the reader is: in an array at an index, or in an object at a property.</summary>
    private readonly record struct Frame(bool IsArray, int Index, string? Name);

    private static ProblemHttpResult TooLarge() =>
        Problems.Field(413, "payload-too-large", "The request body is too large.", "", $"the body exceeds {MaxBytes / 1024} KiB");

    private static string FieldOf(string? path) => path is null or "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
