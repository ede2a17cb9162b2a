namespace Herald.Client;

/// <summary>
/// An email layout: <see cref="Html"/> wraps an email's HTML, which goes where it writes <c>{{{body}}}</c>; <see cref="Text"/>
/// (optional) wraps its text part at <c>{{body}}</c>. Both see the notification's data, <c>body</c> and <c>subject</c>.
/// </summary>
public sealed record LayoutRequest(string Html)
{
    public string? Text { get; init; }

    public string? Description { get; init; }
}

/// <summary>An email layout of the key's environment; the one with id <c>default</c> (<see cref="IsDefault"/>) wraps every email that names none.</summary>
public sealed record Layout(string LayoutId, string? Description, string Html, string? Text, bool IsDefault, DateTimeOffset UpdatedAt);

internal sealed record LayoutList(IReadOnlyList<Layout> Layouts);

internal sealed record PartialRequest(string Source);

/// <summary>A snippet of the key's environment, used as <c>{{&gt; name}}</c> in any template part or layout.</summary>
public sealed record TemplatePartial(string Name, string Source, DateTimeOffset UpdatedAt);

internal sealed record PartialList(IReadOnlyList<TemplatePartial> Partials);
