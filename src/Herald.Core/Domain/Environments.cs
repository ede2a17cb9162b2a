namespace Herald.Core.Domain;

/// <summary>
/// Every resource belongs to one environment of one app (tenant). A deployment starts with one app holding one
/// environment, <see cref="Default"/>, so the quick start needs no setup; rows made before environments existed are its.
/// </summary>
public static class Environments
{
    /// <summary>The id of the environment the embedded default creates, and of everything stored before environments.</summary>
    public const string Default = "env_default";

    /// <summary>
    /// Not an environment: a suppression (or its lifting) with this id applies in every environment there is, one row each.
    /// An SMS STOP or START, or a provider's unsubscribe, names an address and no delivery, and arrives at a sender
    /// configured per deployment, so it cannot be told apart by environment.
    /// </summary>
    public const string Every = "*";
}

/// <summary>An app (tenant): a named group of environments.</summary>
public sealed record App(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>One environment of an app (e.g. <c>development</c>, <c>production</c>): the unit every resource belongs to.</summary>
public sealed record AppEnvironment(string Id, string AppId, string Name, DateTimeOffset CreatedAt);
