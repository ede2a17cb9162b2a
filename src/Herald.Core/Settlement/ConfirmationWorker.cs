using System.Globalization;
using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Tracking;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Settlement;

/// <summary>
/// Looks up deliveries <c>sent</c> that their provider did not confirm (no status callback) within its window, at
/// providers that can be asked, and applies the answer: delivered and failed go through <see cref="TrackingApplier"/> as a
/// callback would (a failure retries or falls back like a send-time one); still pending or unanswered is asked again one
/// window later, at most the provider's number of look-ups; not found is left sent. Every look-up is traced.
/// </summary>
/// <remarks>
/// A delivery still unconfirmed long after its send (two windows past its last look-up: the scheduler was down, or it was
/// sent before this existed) is left sent with a trace instead: a failure found that late would resend a stale message.
/// A look-up never resends on its own: only a failure the provider reports does, as its callback would have.
/// </remarks>
internal sealed partial class ConfirmationWorker(
    IEnumerable<IChannelSender> senders,
    IConfirmationStore store,
    TrackingApplier applier,
    PipelineOptionsAccessor options,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<ConfirmationWorker> logger) : PollingWorker("confirmation", metrics, time)
{
    // The last registration per channel wins, as in DeliveryProcessor: a provider router replaces the capture provider. Only
    // email and SMS providers report after accepting (the stores index unconfirmed rows of those channels only).
    private readonly IReadOnlyList<(IChannelSender Sender, ConfirmPolicy Policy)> _providers =
        [.. senders.Where(s => s.Channel is Channel.Email or Channel.Sms).GroupBy(s => s.Channel).Select(g => g.Last())
            .SelectMany(s => s.ConfirmPolicies.Select(p => (s, p)))];

    // No provider can be asked: nothing to run.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _providers.Count == 0 ? Task.CompletedTask : base.ExecuteAsync(stoppingToken);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(options.Value.SweepInterval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await ConfirmOnceAsync(ct);
        return NextRound.In(options.Value.SweepInterval);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogConfirmFault(logger, exception, retryIn.TotalMilliseconds);

    /// <summary>One pass over every provider that can be asked; returns how many deliveries were looked up.</summary>
    public async Task<int> ConfirmOnceAsync(CancellationToken ct)
    {
        var total = 0;
        foreach (var (sender, policy) in _providers)
        {
            while (true)
            {
                // A batch is asked at once, as a lane sends, so it settles within about one provider timeout, well inside
                // the hold (the lease); a taker that dies leaves it to be taken again once the hold is over.
                var o = options.Value;
                var now = Time.GetUtcNow();
                var batch = await store.ClaimUnconfirmedAsync(policy.Provider, now - policy.Within, now, now + o.Lease, o.LaneConcurrency, ct);
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = o.LaneConcurrency, CancellationToken = ct },
                    async (u, token) => await ConfirmAsync(sender, policy, u, token));
                total += batch.Count;
                if (batch.Count < o.LaneConcurrency)
                {
                    break;
                }
            }
        }

        return total;
    }

    private async Task ConfirmAsync(IChannelSender sender, ConfirmPolicy policy, UnconfirmedDelivery u, CancellationToken ct)
    {
        var d = u.Delivery;
        var waited = $"no status from {policy.Provider} within {Span(policy.Within)} of sent";
        if (Time.GetUtcNow() - (d.SentAt ?? d.UpdatedAt) > policy.Within * (policy.MaxLookUps + 2))
        {
            await EndAsync(d, policy, "stale", "unconfirmed", $"{waited}; sent too long ago for a look-up to act on (a failure found now would resend a stale message); left sent", ct);
            return;
        }

        ProviderStatusAnswer answer;
        try
        {
            answer = await sender.FetchStatusAsync(d, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLookUpFault(logger, ex, policy.Provider);
            answer = new ProviderStatusAnswer.Unanswered(ex.GetType().Name);
        }

        var now = Time.GetUtcNow();
        var asked = $"{waited}; look-up {u.LookUp} of {policy.MaxLookUps}";
        DateTimeOffset? again = u.LookUp < policy.MaxLookUps ? now + policy.Within : null;
        var then = again is { } at ? $"asking again at {at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}Z" : "no look-up left; left sent";
        switch (answer)
        {
            case ProviderStatusAnswer.Delivered x:
                Metrics.Confirmation(policy.Provider, "delivered");
                await ApplyAsync(d, DeliveryStatus.Delivered, "delivered", $"{asked}: {policy.Provider} reports it {x.Detail}", false, ct);
                break;
            case ProviderStatusAnswer.Failed f:
                Metrics.Confirmation(policy.Provider, "failed");
                await ApplyAsync(d, DeliveryStatus.Failed, "failed", $"{asked}: {policy.Provider} reports it {f.Detail}{(f.Permanent ? " (permanent)" : "")}", f.Permanent, ct);
                // Retried or fallen back: whatever is sent next is confirmed on its own, from its own send.
                await store.RestartConfirmationAsync(d, ct);
                break;
            case ProviderStatusAnswer.Pending p:
                Metrics.Confirmation(policy.Provider, "pending");
                await store.RecordLookUpAsync(d, again, Trace(d, now, "pending", $"{asked}: {policy.Provider} reports it still {p.Detail}; {then}"), ct);
                break;
            case ProviderStatusAnswer.Unanswered un:
                Metrics.Confirmation(policy.Provider, "unanswered");
                await store.RecordLookUpAsync(d, again, Trace(d, now, "lookup-unanswered", $"{asked}: {policy.Provider} did not answer ({un.Detail}); {then}"), ct);
                break;
            case ProviderStatusAnswer.NotFoundAnswer:
                await EndAsync(d, policy, "not_found", "not-found",
                    $"{asked}: {policy.Provider} has no such message; left sent and not resent (it accepted the message, so a resend could duplicate it)", ct);
                break;
            default:
                await EndAsync(d, policy, "cannot_ask", "cannot-ask", $"{asked}: {policy.Provider} cannot be asked about it (no message id, or no longer configured); left sent", ct);
                break;
        }
    }

    private async Task ApplyAsync(Delivery d, string status, string decision, string reason, bool permanent, CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        await applier.ApplyAsync([new TrackingApplier.Report(new TrackingUpdate(d.Id, d.NotificationId, status, now, Trace(d, now, decision, reason)), d, permanent)], ct);
    }

    private Task EndAsync(Delivery d, ConfirmPolicy policy, string result, string decision, string reason, CancellationToken ct)
    {
        Metrics.Confirmation(policy.Provider, result);
        return store.RecordLookUpAsync(d, null, Trace(d, Time.GetUtcNow(), decision, reason), ct);
    }

    private static TraceEntry Trace(Delivery d, DateTimeOffset at, string decision, string reason) =>
        new(d.NotificationId, at, "confirm", d.Channel.ToWire(), decision, reason);

    private static string Span(TimeSpan t) => t.TotalMinutes >= 1 && t.Seconds == 0 && t.Milliseconds == 0
        ? $"{t.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min"
        : $"{t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    [LoggerMessage(EventId = 2311, Level = LogLevel.Error, Message = "Confirming sent deliveries failed; trying again in {DelayMs} ms")]
    private static partial void LogConfirmFault(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 2312, Level = LogLevel.Warning, Message = "Status look-up at provider {Provider} failed; asking again later")]
    private static partial void LogLookUpFault(ILogger logger, Exception ex, string provider);
}
