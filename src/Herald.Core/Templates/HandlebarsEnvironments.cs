using System.Globalization;
using HandlebarsDotNet;

namespace Herald.Core.Templates;

/// <summary>
/// The two strict Handlebars environments: one HTML-escaping (email html only), one that writes values verbatim.
/// </summary>
internal static class HandlebarsEnvironments
{
    // Compiling mutates the environment's lazily built configuration; a lock keeps first use race-free.
    // Compilation happens once per cached part, so the lock is not on the hot path.
    private static readonly Lock CompileLock = new();

    private static readonly IHandlebars Escaping = Handlebars.Create(Configure(noEscape: false));
    private static readonly IHandlebars Verbatim = Handlebars.Create(Configure(noEscape: true));

    public static HandlebarsTemplate<object, object> Compile(string source, bool escapeHtml)
    {
        lock (CompileLock)
        {
            return (escapeHtml ? Escaping : Verbatim).Compile(source);
        }
    }

    private static HandlebarsConfiguration Configure(bool noEscape) => new()
    {
        ThrowOnUnresolvedBindingExpression = true,
        NoEscape = noEscape,
        FormatProvider = CultureInfo.InvariantCulture,
    };
}
