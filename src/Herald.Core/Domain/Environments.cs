namespace Herald.Core.Domain;

/// <summary>
/// Every resource belongs to one environment of one app (tenant). A deployment starts with one app holding one
/// environment, <see cref="Default"/>, so the quick start needs no setup; rows made before environments existed are its.
/// </summary>
public static class Environments
{
    /// <summary>The id of the environment the embedded default creates, and of everything stored before environments.</summary>
    public const string Default = "env_default";
}

/// <summary>An app (tenant): a named group of environments.</summary>
public sealed record App(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>One environment of an app (e.g. <c>development</c>, <c>production</c>): the unit every resource belongs to.</summary>
public sealed record AppEnvironment(string Id, string AppId, string Name, DateTimeOffset CreatedAt);
