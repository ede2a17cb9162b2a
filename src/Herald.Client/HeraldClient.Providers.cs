using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>Providers, the suppression list, the capture provider's outbox and delivery analytics.</summary>
public sealed partial class HeraldClient
{
    /// <summary>Every routed provider with its circuit and call statistics, as the process that answers sees them.</summary>
    public async Task<IReadOnlyList<Provider>> ListProvidersAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<ProviderList>(HttpMethod.Get, "api/v1/providers", null, null, true, cancellationToken)).Providers;

    /// <summary>
    /// Takes a provider out of its routes (an admin key) on the process that answers only; answers with every provider. An
    /// unknown name throws a 404.
    /// </summary>
    public Task<IReadOnlyList<Provider>> DisableProviderAsync(string name, CancellationToken cancellationToken = default) =>
        ToggleProviderAsync(name, "disable", cancellationToken);

    /// <summary>Puts a disabled provider back in its routes (an admin key), on the process that answers only; answers with every provider.</summary>
    public Task<IReadOnlyList<Provider>> EnableProviderAsync(string name, CancellationToken cancellationToken = default) =>
        ToggleProviderAsync(name, "enable", cancellationToken);

    /// <summary>
    /// Suppressed addresses of the key's environment, at most <paramref name="limit"/> (1-1000, default 100; the list does
    /// not page). <paramref name="address"/> matches the full address even where the answer masks it (without content:read).
    /// </summary>
    public async Task<IReadOnlyList<Suppression>> ListSuppressionsAsync(Channel? channel = null, string? address = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        (await CallAsync<SuppressionList>(HttpMethod.Get, "api/v1/suppressions" + Query.Of(("channel", ChannelName(channel)), ("address", address),
            ("limit", Query.Number(limit))), null, null, true, cancellationToken)).Suppressions;

    /// <summary>Sends to an address again (an admin key); one not suppressed throws a 404.</summary>
    public Task RemoveSuppressionAsync(Channel channel, string address, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/suppressions/{HeraldJson.Name(channel)}/{Escape(address)}", null, true, cancellationToken);

    /// <summary>
    /// One page of what the capture provider kept (<paramref name="channel"/> email, SMS or push; another throws a 400),
    /// <paramref name="limit"/> 1-1000 (default 100); <paramref name="cursor"/> is a page's NextCursor.
    /// </summary>
    public Task<OutboxPage> ListOutboxAsync(Channel? channel = null, string? recipientId = null, int? limit = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        CallAsync<OutboxPage>(HttpMethod.Get, "api/v1/outbox" + Query.Of(("channel", ChannelName(channel)), ("recipient_id", recipientId), ("limit", Query.Number(limit)),
            ("cursor", cursor)), null, null, true, cancellationToken);

    /// <summary>
    /// Delivery counts, rates and latencies of notifications accepted in [<paramref name="from"/>, <paramref name="to"/>)
    /// (both null: the last 24 hours; one null: 24 hours from or to the other, or now; at most 93 days), grouped by
    /// <paramref name="groupBy"/> (<see cref="AnalyticsGroupings"/>; null: channel).
    /// </summary>
    public Task<AnalyticsSummary> GetAnalyticsAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, string? groupBy = null,
        CancellationToken cancellationToken = default) =>
        CallAsync<AnalyticsSummary>(HttpMethod.Get, "api/v1/analytics" + Query.Of(("from", Query.Time(from)), ("to", Query.Time(to)), ("group_by", groupBy)), null, null,
            true, cancellationToken);

    private async Task<IReadOnlyList<Provider>> ToggleProviderAsync(string name, string action, CancellationToken ct) =>
        (await CallAsync<ProviderList>(HttpMethod.Post, $"api/v1/providers/{Escape(name)}/{action}", null, null, true, ct)).Providers;
}
