using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>
/// Which environments exist. A deployment has the default environment only until environments are stored in their own
/// table, which then answers this instead.
/// </summary>
internal sealed class PostgresEnvironmentDirectory : IEnvironmentDirectory
{
    public Task<bool> ExistsAsync(string environmentId, CancellationToken ct) => Task.FromResult(environmentId == Environments.Default);
}
