namespace Herald.Server.Api;

/// <summary>
/// An email layout: <see cref="Html"/> wraps an email's HTML, which goes where it writes <c>{{{body}}}</c>; <see cref="Text"/>
/// (optional) wraps its text part at <c>{{body}}</c>. Both see the notification's data, <c>body</c> and <c>subject</c>.
/// </summary>
public sealed record LayoutRequest(string? Html, string? Text = null, string? Description = null);

public sealed record LayoutResponse(string LayoutId, string? Description, string Html, string? Text, bool IsDefault, DateTimeOffset UpdatedAt);

public sealed record LayoutList(List<LayoutResponse> Layouts);

/// <summary>A shared snippet, used as <c>{{> name}}</c> in any channel's parts and in layouts.</summary>
public sealed record PartialRequest(string? Source);

public sealed record PartialResponse(string Name, string Source, DateTimeOffset UpdatedAt);

public sealed record PartialList(List<PartialResponse> Partials);
