namespace Herald.Client;

/// <summary>The server's liveness: <see cref="Status"/> "ok", its version, and named checks.</summary>
public sealed record Health(string Status, string Version, IReadOnlyDictionary<string, string> Checks);
