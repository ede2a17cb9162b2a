using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

/// <summary>Field checks shared by the endpoints; each returns a problem naming the field, or null.</summary>
internal static partial class Validate
{
    public static ProblemHttpResult? Name(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            return required ? Problems.Validation(field, $"'{field}' is required") : null;
        }

        return NamePattern().IsMatch(value) ? null : Problems.Validation(field, $"'{field}' must be 1-128 characters of letters, digits, '.', '_', '-' or ':'");
    }

    /// <summary>The longest id (recipient, user, idempotency key), in UTF-16 code units.</summary>
    public const int MaxIdLength = 255;

    /// <summary>
    /// An id (recipient, user, idempotency key): 1-255 characters of any Unicode text but control characters (U+0000-U+001F,
    /// U+007F-U+009F) and unpaired surrogates, not only whitespace. Event types, template ids, topic keys and names are
    /// stricter (<see cref="Name"/>).
    /// </summary>
    public static ProblemHttpResult? Id(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Problems.Validation(field, $"'{field}' is required");
        }

        if (TextFault(value, ids: true) is { } fault)
        {
            return Problems.Validation(field, $"'{field}' {fault}");
        }

        return value.Length > MaxIdLength ? Problems.Validation(field, $"'{field}' is longer than {MaxIdLength} characters") : null;
    }

    /// <summary>Any string of a request: a problem when it holds a NUL or an unpaired surrogate (no store can keep those faithfully).</summary>
    public static ProblemHttpResult? Text(string field, string? value) =>
        value is not null && TextFault(value, ids: false) is { } fault ? Problems.Validation(field, $"'{field}' {fault}") : null;

    /// <summary>
    /// What is wrong with <paramref name="value"/> as request text, or null: a NUL or an unpaired surrogate anywhere, and
    /// for <paramref name="ids"/> any control character. The one check behind <see cref="Text"/>, <see cref="Id"/> and the
    /// scan of every string of a JSON body (<see cref="RequestBody"/>).
    /// </summary>
    public static string? TextFault(string value, bool ids)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return "contains a NUL character (U+0000)";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "contains an unpaired surrogate (not valid Unicode)";
            }
            else if (ids && char.IsControl(c))
            {
                return "contains a control character";
            }
        }

        return null;
    }

    /// <summary>A recipient id; the lifecycle events' reserved recipient is refused, so no customer can receive or forge them.</summary>
    public static ProblemHttpResult? Recipient(string field, string? value) =>
        Id(field, value) ?? (Core.Lifecycle.LifecycleEvents.IsOperational(value!) ? Problems.Validation(field, $"'{value}' is reserved for Herald's lifecycle events") : null);

    public static ProblemHttpResult? Priority(string? value, out Priority priority)
    {
        priority = Core.Domain.Priority.Normal;
        return value is null || ChannelNames.TryParsePriority(value, out priority)
            ? null
            : Problems.Validation("priority", $"unknown priority '{value}'; expected urgent, normal or low");
    }

    public static ProblemHttpResult? Channels(List<string>? values, out List<Channel>? channels)
    {
        channels = null;
        if (values is null)
        {
            return null;
        }

        if (values.Count == 0)
        {
            return Problems.Validation("channels", "'channels' must name at least one channel when given");
        }

        channels = [];
        for (var i = 0; i < values.Count; i++)
        {
            if (!ChannelNames.TryParseChannel(values[i], out var channel))
            {
                return Problems.Validation($"channels[{i}]", $"unknown channel '{values[i]}'; expected push, email, sms, in_app or webhook");
            }

            if (!channels.Contains(channel))
            {
                channels.Add(channel);
            }
        }

        return null;
    }

    public static ProblemHttpResult? IdempotencyKey(HttpRequest request, string? body, out string? key)
    {
        var header = request.Headers["Idempotency-Key"].FirstOrDefault();
        key = body ?? header;
        if (body is not null && header is not null && body != header)
        {
            return Problems.Validation("idempotency_key", "the Idempotency-Key header and the idempotency_key field differ");
        }

        if (key is not null && (string.IsNullOrWhiteSpace(key) || key.Length > MaxIdLength || TextFault(key, ids: true) is not null))
        {
            return Problems.Validation("idempotency_key", $"an idempotency key must be 1-{MaxIdLength} characters, not only whitespace, without control characters or unpaired surrogates");
        }

        return null;
    }

    /// <summary>RFC 5321's limits (4.5.3.1): a local part of at most 64 octets, a path of at most 256 with its brackets.</summary>
    public const int MaxEmailLength = 254;

    public static ProblemHttpResult? Email(string? value) =>
        value is null || (EmailPattern().IsMatch(value) && value.Length <= MaxEmailLength && value.IndexOf('@', StringComparison.Ordinal) <= 64)
            ? null
            : Problems.Validation("email", $"'{value}' is not an email address (at most 64 characters before the '@' and {MaxEmailLength} in all)");

    public static ProblemHttpResult? Phone(string? value) =>
        value is null || PhonePattern().IsMatch(value) ? null : Problems.Validation("phone", "a phone number must be E.164, e.g. +14155550123");

    public static ProblemHttpResult? TimeZone(string field, string? value) =>
        value is null || Core.Preferences.QuietHoursCalculator.TryFindTimeZone(value, out _)
            ? null
            : Problems.Validation(field, $"unknown time zone '{value}'; use an IANA id such as America/Los_Angeles");

    public static ProblemHttpResult? Locale(string? value) =>
        value is null || LocalePattern().IsMatch(value) ? null : Problems.Validation("locale", $"'{value}' is not a locale tag such as fr or fr-CA");

    /// <summary>An RFC 3339 timestamp (date, 'T', time, optional fraction, 'Z' or an offset), or null when absent.</summary>
    public static ProblemHttpResult? Timestamp(string field, string? value, out DateTimeOffset? at)
    {
        at = null;
        if (value is null)
        {
            return null;
        }

        if (!TimestampPattern().IsMatch(value) || !DateTimeOffset.TryParse(value.ToUpperInvariant(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var parsed))
        {
            return Problems.Validation(field, $"'{value}' is not an RFC 3339 timestamp such as 2026-05-01T12:00:00Z (in a query string, write '+' as %2B)");
        }

        at = parsed.ToUniversalTime();
        return null;
    }

    /// <summary>A channel filter of a list (push, email, sms, in_app, webhook), or null when absent.</summary>
    public static ProblemHttpResult? ChannelFilter(string? value, out Channel? channel)
    {
        channel = null;
        if (value is null)
        {
            return null;
        }

        if (!ChannelNames.TryParseChannel(value, out var c))
        {
            return Problems.Validation("channel", $"'{value}' is not a channel; use push, email, sms, in_app or webhook");
        }

        channel = c;
        return null;
    }

    /// <summary>A notification status filter of a list, or null when absent; an unknown status is refused with the allowed ones.</summary>
    public static ProblemHttpResult? NotificationStatusFilter(string? value) =>
        value is null || NotificationStatus.IsKnown(value) ? null
            : Problems.Validation("status", $"'{value}' is not a notification status; use one of {string.Join(", ", NotificationStatus.All)}");

    public static int Limit(string? value, int fallback = 50, int max = 500) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? Math.Min(n, max) : fallback;

    /// <summary>Personal data is masked wherever a delivery's target is shown.</summary>
    public static string Mask(Channel channel, string target) => channel switch
    {
        Channel.Email when target.IndexOf('@', StringComparison.Ordinal) is > 0 and var at => target[0] + "***" + target[at..],
        Channel.Sms when target.Length > 4 => target[..2] + new string('*', target.Length - 4) + target[^2..],
        Channel.Push when target.Length > 8 => target[..6] + "…" + target[^2..],
        _ => target,
    };

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,128}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]
    private static partial Regex LocalePattern();
}
