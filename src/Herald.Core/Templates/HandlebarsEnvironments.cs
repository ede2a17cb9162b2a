using System.Globalization;
using HandlebarsDotNet;

namespace Herald.Core.Templates;

/// <summary>
/// The two strict Handlebars environments: one HTML-escaping (email html only), one that writes values verbatim. Every
/// template they compile ticks the render budget (see <see cref="BudgetMiddleware"/>); partial calls nest at most
/// <see cref="TemplateRenderOptions.MaxPartialDepth"/> deep. Both know the formatting helpers (<see cref="FormatHelpers"/>).
/// </summary>
internal sealed class HandlebarsEnvironments
{
    /// <summary>Handlebars' own message when partials nest deeper than the configured limit (it has no typed exception for it).</summary>
    internal const string PartialDepthMessage = "exceeded recursion depth limit";

    // Compiling mutates the environment's lazily built configuration; a lock keeps first use race-free. Only compiling
    // holds it (renders run outside it), and TemplateSource.Check bounds what one compile can cost before it is taken.
    private readonly Lock _compileLock = new();

    private readonly IHandlebars _escaping;
    private readonly IHandlebars _verbatim;

    public HandlebarsEnvironments(TemplateRenderOptions options)
    {
        _escaping = Handlebars.Create(Configure(options, noEscape: false));
        _verbatim = Handlebars.Create(Configure(options, noEscape: true));
        FormatHelpers.Register(_escaping);
        FormatHelpers.Register(_verbatim);
    }

    /// <summary>The default limits, for validation (which compiles and never renders).</summary>
    public static HandlebarsEnvironments Default { get; } = new(new TemplateRenderOptions());

    /// <exception cref="HandlebarsException">The source does not compile, or is too large or too deeply nested.</exception>
    public HandlebarsTemplate<TextWriter, object, object> Compile(string source, bool escapeHtml)
    {
        TemplateSource.Check(source);
        using var reader = new StringReader(source);
        lock (_compileLock)
        {
            try
            {
                return (escapeHtml ? _escaping : _verbatim).Compile(reader);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or InvalidCastException or IndexOutOfRangeException or NullReferenceException)
            {
                // Handlebars.Net's parser fails this way on some malformed input ("{{#each}}" without an argument).
                throw new HandlebarsCompilerException($"malformed template ({ex.Message})", ex);
            }
        }
    }

    private static HandlebarsConfiguration Configure(TemplateRenderOptions options, bool noEscape)
    {
        var configuration = new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = true,
            NoEscape = noEscape,
            FormatProvider = CultureInfo.InvariantCulture,
            PartialRecursionDepthLimit = (short)Math.Clamp(options.MaxPartialDepth, 1, short.MaxValue),
        };
        configuration.CompileTimeConfiguration.ExpressionMiddleware.Add(new BudgetMiddleware());
        return configuration;
    }
}
