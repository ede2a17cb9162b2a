using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>Apps (tenants), their environments and an environment's subscriber-token secret: an admin key's calls.</summary>
public sealed partial class HeraldClient
{
    /// <summary>Creates an app (an admin key; 201); a name taken throws a 409. Not retried after a lost answer (the retry would meet its own app, a 409).</summary>
    public Task<App> CreateAppAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync<App>(HttpMethod.Post, "api/v1/apps", new AppRequest(name), null, false, cancellationToken);

    /// <summary>Every app, oldest first (an admin key).</summary>
    public async Task<IReadOnlyList<App>> ListAppsAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<AppList>(HttpMethod.Get, "api/v1/apps", null, null, true, cancellationToken)).Apps;

    public Task<App> GetAppAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<App>(HttpMethod.Get, $"api/v1/apps/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>
    /// Creates an environment of an app (an admin key; 201); an unknown app throws a 404, a name the app has a 409. Make keys for it
    /// with <see cref="CreateApiKeyAsync"/> and <see cref="CreateApiKeyRequest.Environment"/>. Not retried after a lost answer (as <see cref="CreateAppAsync"/>).
    /// </summary>
    public Task<AppEnvironment> CreateEnvironmentAsync(string appId, string name, CancellationToken cancellationToken = default) =>
        CallAsync<AppEnvironment>(HttpMethod.Post, "api/v1/environments", new EnvironmentRequest(appId, name), null, false, cancellationToken);

    /// <summary>The environments of one app (<paramref name="appId"/>) or of every app, oldest first (an admin key).</summary>
    public async Task<IReadOnlyList<AppEnvironment>> ListEnvironmentsAsync(string? appId = null, CancellationToken cancellationToken = default) =>
        (await CallAsync<EnvironmentList>(HttpMethod.Get, "api/v1/environments" + Query.Of(("app_id", appId)), null, null, true, cancellationToken)).Environments;

    public Task<AppEnvironment> GetEnvironmentAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<AppEnvironment>(HttpMethod.Get, $"api/v1/environments/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>The subscriber-token secret of the environment of the client's key (an admin key of that environment).</summary>
    public Task<SubscriberSecret> GetSubscriberSecretAsync(CancellationToken cancellationToken = default) =>
        CallAsync<SubscriberSecret>(HttpMethod.Get, "api/v1/subscriber-secret", null, null, true, cancellationToken);

    /// <summary>
    /// Gives the environment of the client's key (an admin key of it) a new subscriber-token secret: every token and stream
    /// ticket signed with the old one is refused within a second. Not retried after a lost answer (a second rotation would
    /// refuse what was signed with the first's secret).
    /// </summary>
    public Task<SubscriberSecret> RotateSubscriberSecretAsync(CancellationToken cancellationToken = default) =>
        CallAsync<SubscriberSecret>(HttpMethod.Post, "api/v1/subscriber-secret/rotate", null, null, false, cancellationToken);
}
