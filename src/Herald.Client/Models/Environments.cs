namespace Herald.Client;

/// <summary>An app (tenant) of the deployment; its environments hold every resource.</summary>
public sealed record App(string Id, string Name, DateTimeOffset CreatedAt);

internal sealed record AppRequest(string Name);

internal sealed record AppList(IReadOnlyList<App> Apps);

/// <summary>An environment of an app (e.g. <c>production</c>): where templates, users and notifications live; a key reaches one.</summary>
public sealed record AppEnvironment(string Id, string AppId, string Name, DateTimeOffset CreatedAt);

internal sealed record EnvironmentRequest(string AppId, string Name);

internal sealed record EnvironmentList(IReadOnlyList<AppEnvironment> Environments);

/// <summary>An environment's subscriber-token secret, for a backend that mints tokens itself: the HS256 key is the UTF-8 bytes of <see cref="Secret"/>.</summary>
public sealed record SubscriberSecret(string Environment, string Secret, string Algorithm);
