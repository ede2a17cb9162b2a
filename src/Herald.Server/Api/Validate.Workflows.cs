using System.Globalization;
using Herald.Core.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

/// <summary>Checks for the workflow fields of a send: expiry and escalation steps.</summary>
internal static partial class Validate
{
    public static readonly TimeSpan MaxEscalationDelay = TimeSpan.FromDays(7);

    /// <summary>
    /// How far from now a send may be scheduled or expire, either way: a year and a day covers an annual reminder, and
    /// refuses the year-1 and year-9999 instants of a client's unset or sentinel field (year 1 failed a campaign with a 500).
    /// </summary>
    public static readonly TimeSpan MaxScheduleDistance = TimeSpan.FromDays(366);

    public static ProblemHttpResult? Options(DateTimeOffset? expiresAt, DateTimeOffset? scheduledAt, List<EscalationDto>? escalation, List<Channel>? channels,
        DateTimeOffset now, out NotificationOptions? options)
    {
        options = null;
        foreach (var (field, value) in new[] { ("scheduled_at", scheduledAt), ("expires_at", expiresAt) })
        {
            if (value is { } at && (at < now - MaxScheduleDistance || at > now + MaxScheduleDistance))
            {
                return Problems.Validation(field, $"'{field}' ({at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}) is more than {MaxScheduleDistance.TotalDays:0} days from now");
            }
        }

        if (expiresAt is { } expires)
        {
            if (expires <= now)
            {
                return Problems.Validation("expires_at", $"'expires_at' ({expires.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}) is not in the future");
            }

            if (scheduledAt is { } at && expires <= at)
            {
                return Problems.Validation("expires_at", "'expires_at' must be later than 'scheduled_at'");
            }
        }

        List<EscalationStep>? steps = null;
        if (escalation is not null)
        {
            if (channels is not null && !channels.Contains(Channel.InApp))
            {
                return Problems.Validation("escalation", "escalation waits for the in-app item: 'channels' must include in_app");
            }

            steps = [];
            for (var i = 0; i < escalation.Count; i++)
            {
                var at = $"escalation[{i}]";
                if (!ChannelNames.TryParseChannel(escalation[i].Channel, out var channel))
                {
                    return Problems.Validation($"{at}.channel", $"unknown channel '{escalation[i].Channel}'; expected push, email, sms or webhook");
                }

                if (channel == Channel.InApp)
                {
                    return Problems.Validation($"{at}.channel", "in_app cannot escalate to itself");
                }

                if (steps.Any(s => s.Channel == channel) || channels?.Contains(channel) == true)
                {
                    return Problems.Validation($"{at}.channel", $"{channel.ToWire()} is listed twice (in 'channels' or in another step): a channel is sent at once or escalated, not both");
                }

                if (!TryDuration(escalation[i].After, out var after) || after < TimeSpan.FromSeconds(1) || after > MaxEscalationDelay)
                {
                    return Problems.Validation($"{at}.after", $"'after' must be an ISO 8601 duration between PT1S and P7D (for example PT15M); got '{escalation[i].After}'");
                }

                steps.Add(new EscalationStep(channel, after));
            }
        }

        options = new NotificationOptions(expiresAt, steps);
        return null;
    }

    public static bool TryDuration(string? value, out TimeSpan duration) => Core.Domain.IsoDuration.TryParse(value, out duration);
}
