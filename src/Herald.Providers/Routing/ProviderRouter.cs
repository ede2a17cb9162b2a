using System.Diagnostics;
using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace Herald.Providers.Routing;

/// <summary>
/// The sender of one channel: tries the channel's providers in order, skipping those whose condition does not match,
/// whose circuit is open or whose token bucket is empty, and fails over on a retryable or configuration error. Every
/// switch is a note in the delivery's trace. An unknown outcome never fails over: the first provider may have the message.
/// </summary>
public sealed partial class ProviderRouter(Channel channel, IReadOnlyList<ProviderRoute> routes, TimeProvider time, ILogger<ProviderRouter> logger, HeraldMetrics? metrics = null)
    : IChannelSender
{
    /// <summary>The provider recorded on an attempt that no provider took (none accepts it, or every circuit was open).</summary>
    private const string RouterName = "router";

    public Channel Channel => channel;

    public IReadOnlyList<ProviderRoute> Routes => routes;

    public async Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var notes = new List<RouteNote>();
        DeliveryOutcome? last = null;
        string? lastProvider = null;
        TimeSpan? soonest = null;
        // Stays true while every provider only had no room (bucket empty, circuit open, disabled, its own 429): then the
        // delivery is deferred without using an attempt. One real failure makes it a retry.
        var throttledOnly = true;
        var candidates = routes.Where(r => r.Accepts(delivery)).ToList();
        if (candidates.Count == 0)
        {
            return new SendResult(new DeliveryOutcome.Rejected($"no {channel.ToWire()} provider accepts {Describe(delivery)}"), RouterName);
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var route = candidates[i];
            var next = i + 1 < candidates.Count ? $"; trying {candidates[i + 1].Name}" : "; no provider left";
            if (route.Disabled)
            {
                notes.Add(new("skipped", $"{route.Name}: disabled by an operator{next}"));
                soonest = Min(soonest, route.Circuit.BreakDuration);
                continue;
            }

            if (route.Bucket is { } bucket)
            {
                var (taken, wait) = await bucket.TakeAsync(route.BucketMaxWait, ct);
                if (!taken)
                {
                    notes.Add(new("skipped", $"{route.Name}: rate {bucket.PerSecond:0.##}/s reached, next slot in {wait.TotalMilliseconds:0} ms{next}"));
                    soonest = Min(soonest, wait);
                    continue;
                }
            }

            var started = time.GetTimestamp();
            // A child of the delivery's span when the delivery is traced; untraced sends start no orphan root spans.
            using var span = Activity.Current?.Source == HeraldTracing.Source
                ? HeraldTracing.Source.StartActivity("herald.provider.send", ActivityKind.Client)
                : null;
            span?.SetTag("herald.provider", route.Name);
            span?.SetTag("herald.provider_type", route.Adapter.Type);
            DeliveryOutcome outcome;
            try
            {
                outcome = await route.Pipeline.ExecuteAsync(static async (state, token) => await state.Adapter.SendAsync(state.Delivery, token), (route.Adapter, Delivery: delivery), ct);
            }
            catch (BrokenCircuitException)
            {
                // Open (or isolated) refuses at once; once the break is over Polly lets one trial call through (half-open)
                // and refuses the others until it settles. Refused calls go on to the next provider.
                span?.SetTag("herald.outcome", "circuit_" + route.State);
                notes.Add(new("skipped", $"{route.Name}: circuit {route.State}{next}"));
                soonest = Min(soonest, route.Circuit.BreakDuration);
                continue;
            }

            var failed = outcome is DeliveryOutcome.Retry or DeliveryOutcome.Misconfigured or DeliveryOutcome.Unknown;
            var elapsed = time.GetElapsedTime(started);
            var label = OutcomeKind.MetricLabel(outcome.Kind);
            span?.SetTag("herald.outcome", label);
            if (outcome is not DeliveryOutcome.Sent)
            {
                span?.SetStatus(ActivityStatusCode.Error, label);
            }

            route.Stats.Record(elapsed, failed);
            metrics?.ProviderRequest(route.Name, channel, label, elapsed);
            last = outcome;
            lastProvider = route.Name;
            switch (outcome)
            {
                case DeliveryOutcome.Misconfigured m:
                    throttledOnly = false;
                    LogMisconfigured(logger, route.Name, m.Reason);
                    await route.IsolateAsync();
                    notes.Add(new("failover", $"{route.Name}: configuration error ({m.Reason}); circuit opened{next}"));
                    continue;
                case DeliveryOutcome.Retry r:
                    throttledOnly &= r.Throttled;
                    notes.Add(new("failover", $"{route.Name}: {r.Reason}{(route.IsOpen ? "; circuit opened" : "")}{next}"));
                    if (r.RetryAfter is { } after)
                    {
                        soonest = Min(soonest, after);
                    }

                    continue;
                default:
                    if (i > 0 || notes.Count > 0)
                    {
                        notes.Add(new("routed", $"{route.Name} took it after {notes.Count} switch(es)"));
                    }

                    return new SendResult(outcome, route.Name) { Notes = notes };
            }
        }

        // Nobody took it: a transient failure of the channel, retried no sooner than the first provider may be back; or,
        // when no provider failed but none had room, deferred to the soonest slot without using an attempt.
        var reason = last switch
        {
            DeliveryOutcome.Retry { Throttled: true } r when throttledOnly => $"no {channel.ToWire()} provider has room now; last: {r.Reason}",
            DeliveryOutcome.Retry r => $"every {channel.ToWire()} provider failed; last: {r.Reason}",
            DeliveryOutcome.Misconfigured m => $"every {channel.ToWire()} provider failed; last: configuration error {m.Reason}",
            _ => $"every {channel.ToWire()} provider is unavailable (circuit open or rate limited)",
        };
        return new SendResult(new DeliveryOutcome.Retry(reason, soonest, throttledOnly), lastProvider ?? RouterName) { Notes = notes };
    }

    /// <summary>
    /// Asks every provider the send may have reached whether it holds the message: the one recorded on the delivery first,
    /// then every other that accepts it. The recorded one is only the provider of the last completed attempt: the lost
    /// attempt may have failed over elsewhere, or it was the first and nothing was recorded (its worker died, or its
    /// completion was lost with the database), or the last attempt found every circuit open ("router"). One that holds it
    /// settles it; only when every one answers that it never got it is the delivery resent. One that failed to answer
    /// this time outweighs one that can never be asked (asking again later may still find it); a recorded provider that
    /// is no longer configured cannot be asked.
    /// </summary>
    public async Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var recorded = routes.FirstOrDefault(r => r.Name == delivery.Provider);
        var answer = delivery.Provider is not null and not RouterName && recorded is null ? LookUpAnswer.CannotAsk : LookUpAnswer.NotFound;
        IEnumerable<ProviderRoute> candidates = recorded is null ? [] : [recorded];
        foreach (var candidate in candidates.Concat(routes.Where(r => r != recorded && r.Accepts(delivery))))
        {
            switch (await candidate.Adapter.LookUpAsync(delivery, ct))
            {
                case LookUpAnswer.Found:
                    return LookUpAnswer.Found;
                case LookUpAnswer.Unanswered:
                    answer = LookUpAnswer.Unanswered;
                    break;
                case LookUpAnswer.CannotAsk when answer == LookUpAnswer.NotFound:
                    answer = LookUpAnswer.CannotAsk;
                    break;
            }
        }

        return answer;
    }

    public IReadOnlyList<ConfirmPolicy> ConfirmPolicies { get; } = [.. routes.Select(r => r.Adapter.Confirm).OfType<ConfirmPolicy>()];

    /// <summary>
    /// Asks the provider recorded on the delivery, the only one that holds the message id. Unlike a look-up of an unknown
    /// outcome there is no question which provider took it: the send was completed as sent there.
    /// </summary>
    public Task<ProviderStatusAnswer> FetchStatusAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return routes.FirstOrDefault(r => r.Name == delivery.Provider) is { } recorded
            ? recorded.Adapter.FetchStatusAsync(delivery, ct)
            : Task.FromResult(ProviderStatusAnswer.CannotAsk);
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    private static string Describe(Delivery d) => d.Channel switch
    {
        Channel.Push => $"platform '{d.Platform ?? "unknown"}'",
        _ => $"'{d.Target}'",
    };

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Provider {Provider} refused our configuration ({Reason}); its circuit is open and traffic fails over")]
    private static partial void LogMisconfigured(ILogger logger, string provider, string reason);
}
