using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>Apps and their environments (migration 020 / SQLite 005 makes the default of each).</summary>
public interface IAppStore
{
    /// <summary>Stores the app; false (nothing stored) when an app of that name exists.</summary>
    Task<bool> CreateAppAsync(App app, CancellationToken ct);

    Task<App?> GetAppAsync(string id, CancellationToken ct);

    /// <summary>Every app, oldest first.</summary>
    Task<IReadOnlyList<App>> ListAppsAsync(CancellationToken ct);

    /// <summary>Stores the environment; false (nothing stored) when its app has one of that name. The app must exist.</summary>
    Task<bool> CreateEnvironmentAsync(AppEnvironment environment, CancellationToken ct);

    Task<AppEnvironment?> GetEnvironmentAsync(string id, CancellationToken ct);

    /// <summary>The environments of one app, or of every app when <paramref name="appId"/> is null; oldest first.</summary>
    Task<IReadOnlyList<AppEnvironment>> ListEnvironmentsAsync(string? appId, CancellationToken ct);
}
