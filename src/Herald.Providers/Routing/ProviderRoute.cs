using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Polly;
using Polly.CircuitBreaker;

namespace Herald.Providers.Routing;

/// <summary>Settings of the circuit breaker every provider gets (<c>Herald:Providers:&lt;name&gt;:Circuit*</c>).</summary>
public sealed record CircuitSettings(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration)
{
    public static readonly CircuitSettings Default = new(0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(15));
}

/// <summary>
/// One provider in a channel's ordered list: its adapter, its condition (SMS number prefixes, push platforms, email
/// domains), its circuit breaker (Polly) and its token bucket.
/// </summary>
public sealed class ProviderRoute
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CircuitBreakerManualControl _control = new();
    private readonly TimeProvider _time;
    private int _isolated;
    private int _disabled;

    public ProviderRoute(IProviderAdapter adapter, IReadOnlyList<string> match, IRateBucket? bucket, TimeSpan bucketMaxWait, CircuitSettings circuit, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(circuit);
        Adapter = adapter;
        Match = match;
        Bucket = bucket;
        BucketMaxWait = bucketMaxWait;
        Circuit = circuit;
        _time = time;
        Stats = new ProviderStats(time);
        Pipeline = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryOutcome>
            {
                FailureRatio = circuit.FailureRatio,
                MinimumThroughput = circuit.MinimumThroughput,
                SamplingDuration = circuit.SamplingDuration,
                BreakDuration = circuit.BreakDuration,
                StateProvider = _state,
                ManualControl = _control,
                // Failures of the provider, not of the message: rejected and invalid-target answers show a healthy provider.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null
                    || args.Outcome.Result is DeliveryOutcome.Retry or DeliveryOutcome.Misconfigured or DeliveryOutcome.Unknown),
                OnOpened = _ => { Stats.Transition("open"); return default; },
                OnHalfOpened = _ => { Stats.Transition("half_open"); return default; },
                OnClosed = _ => { Stats.Transition("closed"); return default; },
            })
            .Build();
    }

    public IProviderAdapter Adapter { get; }

    public string Name => Adapter.Name;

    public IReadOnlyList<string> Match { get; }

    public IRateBucket? Bucket { get; }

    public TimeSpan BucketMaxWait { get; }

    public CircuitSettings Circuit { get; }

    public ResiliencePipeline<DeliveryOutcome> Pipeline { get; }

    public ProviderStats Stats { get; }

    /// <summary>closed, open, half_open or isolated (opened for a configuration error).</summary>
    public string State => _state.CircuitState switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Isolated => "isolated",
        _ => "unknown",
    };

    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>
    /// Taken out of rotation by an operator (the dashboard or <c>POST /api/v1/providers/{name}/disable</c>): the router
    /// skips it as it skips an open circuit, until it is enabled again. Held by this process, not stored.
    /// </summary>
    public bool Disabled => Volatile.Read(ref _disabled) == 1;

    public void SetDisabled(bool disabled)
    {
        if (Interlocked.Exchange(ref _disabled, disabled ? 1 : 0) != (disabled ? 1 : 0))
        {
            Stats.Transition(disabled ? "disabled" : "enabled");
        }
    }

    /// <summary>True when this provider may carry the delivery: SMS by E.164 prefix, push by platform, email by domain.</summary>
    public bool Accepts(Delivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (Match.Count == 0)
        {
            return true;
        }

        return d.Channel switch
        {
            Channel.Sms => Match.Any(p => d.Target.StartsWith(p, StringComparison.Ordinal)),
            Channel.Push => d.Platform is { } platform && Match.Contains(platform, StringComparer.OrdinalIgnoreCase),
            Channel.Email => Match.Any(domain => d.Target.EndsWith(domain.StartsWith('@') ? domain : "@" + domain, StringComparison.OrdinalIgnoreCase)),
            _ => true,
        };
    }

    /// <summary>
    /// Opens the circuit at once for a configuration error (credentials refused) and closes it again after the break
    /// duration, so a fixed credential is picked up without a restart.
    /// </summary>
    public async Task IsolateAsync()
    {
        if (Interlocked.Exchange(ref _isolated, 1) == 1)
        {
            return;
        }

        await _control.IsolateAsync();
        Stats.Transition("isolated");
        _ = Task.Run(async () =>
        {
            await Task.Delay(Circuit.BreakDuration, _time);
            await _control.CloseAsync();
            Interlocked.Exchange(ref _isolated, 0);
        });
    }
}
