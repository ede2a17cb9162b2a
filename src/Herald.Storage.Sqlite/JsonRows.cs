using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A JSON array of rows (each an array of values) for one <c>json_each</c> statement that takes a whole batch: multi-row
/// inserts and set-based key look-ups with one prepared statement whatever the count. Written with a
/// <see cref="Utf8JsonWriter"/>, without reflection or boxing.
/// </summary>
internal static class JsonRows
{
    // Read by SQLite's JSON functions only, never put in a page: HTML and non-ASCII characters stay as they are (smaller
    // and faster than \uXXXX escapes).
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static string Of<T>(IEnumerable<T> rows, Action<Utf8JsonWriter, T> writeValues, int sizeHint = 1024)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writeValues);
        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                writeValues(json, row);
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A JSON array of strings (<c>SELECT value FROM json_each(..)</c>).</summary>
    public static string Strings(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartArray();
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// A string or JSON null (<c>value ->> n</c> reads it back as text or NULL). A lone surrogate, which the writer
    /// refuses, becomes U+FFFD, as the driver stores it when the same value is bound as a parameter.
    /// </summary>
    public static void Text(this Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0 ? value : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)));
        }
    }

    /// <summary>A number or JSON null (<c>value ->> n</c> reads it back as an integer or NULL).</summary>
    public static void Number(this Utf8JsonWriter json, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumberValue(v);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
