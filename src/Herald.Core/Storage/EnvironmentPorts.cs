namespace Herald.Core.Storage;

/// <summary>Which environments exist: what a request naming another environment (a template promotion's target) is checked against.</summary>
public interface IEnvironmentDirectory
{
    Task<bool> ExistsAsync(string environmentId, CancellationToken ct);
}
