namespace Herald.Core.Templates;

/// <summary>
/// Settings under <c>Herald:Templates</c>: the budget of one render (one channel's parts for one recipient, or one
/// preview). A render over any of them fails with a <see cref="TemplateException"/> naming the setting. Every default is
/// the documented one.
/// </summary>
public sealed class TemplateRenderOptions
{
    public const string SectionName = "Herald:Templates";

    /// <summary>
    /// Most template steps one render may take: a step is entering a block or partial body (an <c>{{#each}}</c>
    /// iteration, an <c>{{#if}}</c> branch, a partial call) or one statement inside it (a text run, a value, a helper).
    /// A 1,000-line digest with a few fields a line takes under 10,000. Default 1,000,000.
    /// </summary>
    public int MaxSteps { get; set; } = 1_000_000;

    /// <summary>Most characters one render may produce across its parts. Default 1,000,000 (about 1 MB).</summary>
    public int MaxOutputChars { get; set; } = 1_000_000;

    /// <summary>Longest wall time one render may take. Default 2 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deepest nesting of partial calls (an inline partial calling itself or another). Default 16.</summary>
    public int MaxPartialDepth { get; set; } = 16;
}
