using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Herald.Core.Domain;

namespace Herald.Providers.Webhooks;

/// <summary>Maps an endpoint's answer to an outcome per the Standard Webhooks status code guidance.</summary>
internal static class WebhookResponseMapper
{
    public static DeliveryOutcome Map(HttpStatusCode status, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        int code = (int)status;
        return code switch
        {
            >= 200 and <= 299 => new DeliveryOutcome.Sent(null),
            (int)HttpStatusCode.Gone => new DeliveryOutcome.InvalidTarget("endpoint returned 410 Gone"),
            (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable =>
                new DeliveryOutcome.Retry(Reason(code), RetryDelay(retryAfter, now)),
            // Redirects are not followed: the spec asks senders to have the URL updated instead.
            _ => new DeliveryOutcome.Retry(Reason(code)),
        };
    }

    private static string Reason(int code) => string.Create(CultureInfo.InvariantCulture, $"endpoint returned {code}");

    private static TimeSpan? RetryDelay(RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            TimeSpan untilDate = date - now;
            return untilDate > TimeSpan.Zero ? untilDate : TimeSpan.Zero;
        }

        return null;
    }
}
