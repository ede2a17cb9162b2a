namespace Herald.Client;

/// <summary>
/// How an event type's notifications are gathered into one digest: rendered with <see cref="TemplateId"/> after
/// <see cref="Window"/> (e.g. "1h") or <see cref="MaxItems"/>; null fields take the server's defaults.
/// </summary>
public sealed record DigestRuleRequest(string TemplateId)
{
    public string? Window { get; init; }

    public int? MaxItems { get; init; }

    public string? GroupBy { get; init; }

    public bool? FoldRateLimited { get; init; }

    public bool? Batch { get; init; }
}

public sealed record DigestRule(string EventType, string Window, int MaxItems, string? GroupBy, string TemplateId, bool FoldRateLimited, bool Batch);

internal sealed record DigestRuleList(IReadOnlyList<DigestRule> Rules);
