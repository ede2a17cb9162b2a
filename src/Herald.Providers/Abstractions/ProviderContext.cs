using System.Globalization;
using Herald.Core.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Herald.Providers.Abstractions;

/// <summary>Raised at start when a provider's configuration is missing or wrong; the message names the setting.</summary>
public sealed class ProviderConfigurationException(string message) : Exception(message);

/// <summary>Everything an adapter gets from the host: its settings, an HTTP client, the clock and Herald's public URLs.</summary>
public sealed class ProviderContext
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    /// <summary>The section <c>Herald:Providers:&lt;name&gt;</c>.</summary>
    public required IConfigurationSection Settings { get; init; }

    /// <summary>A client for this provider instance only (no base address; adapters build absolute URLs from <see cref="BaseUrl"/>).</summary>
    public required HttpClient Http { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>Herald's public base URL (<c>Herald:PublicBaseUrl</c>), without a trailing slash; vendors call back there.</summary>
    public required string PublicBaseUrl { get; init; }

    /// <summary>Open and click tracking and one-click unsubscribe links for email.</summary>
    public required IEmailTracking Tracking { get; init; }

    /// <summary>Where this provider's status callbacks go: <c>{PublicBaseUrl}/api/v1/webhooks/{Name}</c>.</summary>
    public string StatusCallbackUrl => $"{PublicBaseUrl}/api/v1/webhooks/{Uri.EscapeDataString(Name)}";

    /// <summary>Per-call timeout (<c>Timeout</c>, default 10 s). A call that outlives it after the request was sent is unknown.</summary>
    public TimeSpan Timeout => Optional("Timeout") is { } t ? TimeSpan.Parse(t, CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(10);

    public string Setting(string key) => $"Herald:Providers:{Name}:{key}";

    /// <summary>A required setting; missing or blank fails start with a message naming it.</summary>
    public string Required(string key) =>
        Optional(key) ?? throw new ProviderConfigurationException($"{Setting(key)} is required for a {Type} provider");

    public string? Optional(string key) => Settings[key] is { Length: > 0 } v && !string.IsNullOrWhiteSpace(v) ? v : null;

    /// <summary>The vendor's host by default; <c>BaseUrl</c> (the sandbox, a test server) when set. No trailing slash.</summary>
    public string BaseUrl(string vendorDefault)
    {
        var value = Optional("BaseUrl") ?? vendorDefault;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ProviderConfigurationException($"{Setting("BaseUrl")} must be an absolute http(s) URL, got '{value}'");
        }

        return value.TrimEnd('/');
    }

    public Channel Channel { get; init; }
}

/// <summary>Email tracking, implemented by the host (signed tokens under Herald's public URL).</summary>
public interface IEmailTracking
{
    /// <summary>Rewrites every http(s) link to a signed click link and appends a 1×1 open pixel. Off: returns the html unchanged.</summary>
    string Track(Delivery delivery, string html);

    /// <summary>The one-click unsubscribe URL for List-Unsubscribe (RFC 8058); null for urgent mail, which has none.</summary>
    string? UnsubscribeUrl(Delivery delivery);
}
