using System.Globalization;
using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Providers.Abstractions;
using Herald.Providers.Capture;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Herald.Providers.Routing;

/// <summary>
/// Every configured provider instance (<c>Herald:Providers:&lt;name&gt;</c>) and the router of every channel that lists
/// providers (<c>Herald:Channels:&lt;channel&gt;:Providers</c>). Built once at start; a bad setting fails start naming it.
/// </summary>
public sealed class ProviderRegistry
{
    private ProviderRegistry(IReadOnlyDictionary<string, IProviderAdapter> providers, IReadOnlyDictionary<Channel, ProviderRouter> routers)
    {
        Providers = providers;
        Routers = routers;
    }

    public IReadOnlyDictionary<string, IProviderAdapter> Providers { get; }

    public IReadOnlyDictionary<Channel, ProviderRouter> Routers { get; }

    /// <summary>The channels whose providers are configured (each gets a router).</summary>
    public static IReadOnlyList<Channel> ConfiguredChannels(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. new[] { Channel.Email, Channel.Sms, Channel.Push }.Where(c => ProviderNames(configuration, c).Count > 0)];
    }

    /// <summary>The provider list of a channel, as "a,b" or as an array.</summary>
    public static IReadOnlyList<string> ProviderNames(IConfiguration configuration, Channel channel)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection($"Herald:Channels:{channel.ToWire()}:Providers");
        var list = section.Value is { Length: > 0 } csv
            ? csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray();
        return list;
    }

    // buckets: the shared bucket store (PostgreSQL) when several processes send; rates then hold cluster-wide.
    public static ProviderRegistry Build(IConfiguration configuration, Func<string, HttpClient> http, IEmailTracking tracking, IOutboxStore outbox,
        TimeProvider time, ILoggerFactory loggers, IProviderBucketStore? buckets = null, HeraldMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(loggers);
        var publicBaseUrl = HeraldProvidersServiceCollectionExtensions.PublicBaseUrl(configuration);
        var providers = new Dictionary<string, IProviderAdapter>(StringComparer.Ordinal);
        var sections = configuration.GetSection("Herald:Providers").GetChildren().ToDictionary(s => s.Key, StringComparer.Ordinal);
        var routers = new Dictionary<Channel, ProviderRouter>();
        foreach (var channel in ConfiguredChannels(configuration))
        {
            var routes = new List<ProviderRoute>();
            foreach (var name in ProviderNames(configuration, channel))
            {
                if (!sections.TryGetValue(name, out var section))
                {
                    throw new ProviderConfigurationException(
                        $"Herald:Channels:{channel.ToWire()}:Providers names '{name}', but there is no Herald:Providers:{name} section");
                }

                var type = section["Type"] ?? throw new ProviderConfigurationException($"Herald:Providers:{name}:Type is required");
                IProviderAdapter adapter = type == CaptureSender.ProviderName
                    ? new CaptureAdapter(name, new CaptureSender(channel, outbox, time))
                    : providers.TryGetValue(name, out var existing) ? existing : Create(configuration, name, type, section, http, tracking, publicBaseUrl, time, loggers);
                if (adapter.Channel != channel)
                {
                    throw new ProviderConfigurationException(
                        $"Herald:Channels:{channel.ToWire()}:Providers lists '{name}', a {type} provider, which sends {adapter.Channel.ToWire()}, not {channel.ToWire()}");
                }

                providers.TryAdd(name, adapter);
                routes.Add(Route(adapter, section, time, buckets));
            }

            routers[channel] = new ProviderRouter(channel, routes, time, loggers.CreateLogger<ProviderRouter>(), metrics);
        }

        // Configured but unrouted providers are still built (and validated): their status callbacks may still arrive.
        foreach (var (name, section) in sections)
        {
            var type = section["Type"] ?? throw new ProviderConfigurationException($"Herald:Providers:{name}:Type is required");
            if (!providers.ContainsKey(name) && type != CaptureSender.ProviderName)
            {
                providers[name] = Create(configuration, name, type, section, http, tracking, publicBaseUrl, time, loggers);
            }
        }

        return new ProviderRegistry(providers, routers);
    }

    private static IProviderAdapter Create(IConfiguration configuration, string name, string type, IConfigurationSection section, Func<string, HttpClient> http, IEmailTracking tracking,
        string publicBaseUrl, TimeProvider time, ILoggerFactory loggers)
    {
        if (!ProviderTypes.All.TryGetValue(type, out var factory))
        {
            throw new ProviderConfigurationException(
                $"Herald:Providers:{name}:Type '{type}' is not a provider type; expected one of {string.Join(", ", ProviderTypes.All.Keys.Append(CaptureSender.ProviderName).Order(StringComparer.Ordinal))}");
        }

        var context = new ProviderContext
        {
            Name = name,
            Type = type,
            Channel = factory.Channel,
            Settings = section,
            Http = http(name),
            Time = time,
            Logger = loggers.CreateLogger($"Herald.Providers.{type}"),
            PublicBaseUrl = publicBaseUrl,
            Tracking = tracking,
        };
        var adapter = factory.Create(context);
        var lease = configuration.GetValue("Herald:Pipeline:Lease", TimeSpan.FromSeconds(30));
        if (context.Timeout >= lease)
        {
            throw new ProviderConfigurationException(
                $"Herald:Providers:{name}:Timeout ({context.Timeout}) must be shorter than Herald:Pipeline:Lease ({lease}), or the reconciler would take over sends still in flight");
        }

        return adapter;
    }

    private static ProviderRoute Route(IProviderAdapter adapter, IConfigurationSection s, TimeProvider time, IProviderBucketStore? buckets)
    {
        var match = (s["Match"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IRateBucket? bucket = null;
        if (s["Rate"] is { Length: > 0 } rate)
        {
            try
            {
                var local = TokenBucket.Parse(rate, time);
                bucket = buckets is null ? local : new SharedTokenBucket(adapter.Name, local.PerSecond, local.Capacity, buckets, time);
            }
            catch (FormatException ex)
            {
                throw new ProviderConfigurationException($"Herald:Providers:{adapter.Name}:Rate: {ex.Message}");
            }
        }

        var d = CircuitSettings.Default;
        var circuit = new CircuitSettings(
            Number(s, adapter.Name, "CircuitFailureRatio", d.FailureRatio),
            (int)Number(s, adapter.Name, "CircuitMinimumThroughput", d.MinimumThroughput),
            Span(s, adapter.Name, "CircuitSamplingDuration", d.SamplingDuration),
            Span(s, adapter.Name, "CircuitBreakDuration", d.BreakDuration));
        return new ProviderRoute(adapter, match, bucket, Span(s, adapter.Name, "RateMaxWait", TimeSpan.FromSeconds(1)), circuit, time);
    }

    private static double Number(IConfigurationSection s, string name, string key, double fallback) =>
        s[key] is not { Length: > 0 } v ? fallback
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x
        : throw new ProviderConfigurationException($"Herald:Providers:{name}:{key} must be a number, got '{v}'");

    private static TimeSpan Span(IConfigurationSection s, string name, string key, TimeSpan fallback) =>
        s[key] is not { Length: > 0 } v ? fallback
        : TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out var x) && x > TimeSpan.Zero ? x
        : throw new ProviderConfigurationException($"Herald:Providers:{name}:{key} must be a positive time span like 00:00:15, got '{v}'");
}
