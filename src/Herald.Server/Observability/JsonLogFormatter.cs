using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Herald.Core.Observability;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Herald.Server.Observability;

/// <summary>
/// One JSON object per line: time, level, category, event id and name, the rendered message, the message's structured
/// values, the W3C trace and span ids of the current activity, and the exception. Every string goes through
/// <see cref="LogMasking"/> first, so no email address, phone number, device token or secret reaches the log.
/// </summary>
internal sealed class JsonLogFormatter(IOptionsMonitor<ConsoleFormatterOptions> options, TimeProvider time) : ConsoleFormatter(Name)
{
    public new const string Name = "herald-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var format = options.CurrentValue.TimestampFormat ?? "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.WriteString("timestamp", time.GetUtcNow().ToString(format, CultureInfo.InvariantCulture));
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            json.WriteNumber("event_id", logEntry.EventId.Id);
            if (logEntry.EventId.Name is { } eventName)
            {
                json.WriteString("event", eventName);
            }

            json.WriteString("message", LogMasking.Mask(message));
            if (Activity.Current is { } activity)
            {
                json.WriteString("trace_id", activity.TraceId.ToHexString());
                json.WriteString("span_id", activity.SpanId.ToHexString());
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> values && values.Count > 1)
            {
                json.WriteStartObject("state");
                foreach (var (key, value) in values)
                {
                    // {OriginalFormat} is the template, not a value.
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    json.WriteString(key, LogMasking.IsSecretKey(key) ? "***" : LogMasking.Mask(Convert.ToString(value, CultureInfo.InvariantCulture)));
                }

                json.WriteEndObject();
            }

            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", LogMasking.Mask(exception.ToString()));
            }

            json.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write('\n');
    }
}
