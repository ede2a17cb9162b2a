using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A JSON array of rows (each an array of values) for one <c>json_each</c> statement that takes a whole batch: multi-row
/// inserts and set-based key look-ups with one prepared statement whatever the count. Written with a
/// <see cref="Utf8JsonWriter"/>, without reflection or boxing.
/// </summary>
internal static class JsonRows
{
    public static string Of<T>(IEnumerable<T> rows, Action<Utf8JsonWriter, T> writeValues, int sizeHint = 1024)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writeValues);
        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var json = new Utf8JsonWriter(buffer))
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
        using (var json = new Utf8JsonWriter(buffer))
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
}
