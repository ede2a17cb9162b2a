using System.Text.RegularExpressions;

namespace Herald.Core.Observability;

/// <summary>
/// Masks personal data and secrets in log text: email addresses (a***@example.com), phone numbers in E.164, also
/// URL-encoded (+1555***67), device tokens and other long opaque strings (abcd…[64]), and the values after secret-like
/// keys (api_key=***, Bearer ***). Herald's own ids (ntf_ + 32 hex, 36 characters) stay readable: they are what an
/// operator searches for. Applied by the log formatter to every message, state value and exception text.
/// </summary>
/// <remarks>
/// Log text is partly the caller's (paths, query strings, bodies in exceptions), so no pattern may take more than linear
/// time: those that backtracked quadratically on a long run of address characters without an '@' run with
/// <see cref="RegexOptions.NonBacktracking"/>, and <c>Opaque</c> lost its lookahead (a digit somewhere ahead, rescanned from
/// every position of a long run of letters) for a plain run, linear with the default engine (faster than the
/// non-backtracking one on a long match), and the digit test in code.
/// </remarks>
public static partial class LogMasking
{
    public static string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var masked = SecretPair().Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + "***");
        masked = Bearer().Replace(masked, "${scheme} ***");
        masked = Email().Replace(masked, m => m.Groups["local"].Value[0] + "***" + m.Groups["at"].Value + m.Groups["domain"].Value);
        masked = Phone().Replace(masked, m => m.Groups["plus"].Value + m.Groups["digits"].Value[..Math.Min(4, m.Groups["digits"].Value.Length - 2)] + "***" + m.Groups["digits"].Value[^2..]);
        masked = Opaque().Replace(masked, m => m.ValueSpan.ContainsAnyInRange('0', '9') ? m.Value[..4] + "…[" + m.Value.Length + "]" : m.Value);
        return masked;
    }

    /// <summary>True for a structured-logging key whose value is a secret whatever it looks like.</summary>
    public static bool IsSecretKey(string key) => SecretKey().IsMatch(key);

    [GeneratedRegex(@"(?<key>(?i:api[_-]?key|auth[_-]?token|access[_-]?token|token|secret|password|passwd|signature|authorization|private[_-]?key)[""']?)(?<sep>\s*[=:]\s*[""']?)(?:(?i:bearer|basic)\s+)?[^\s""'&,;]+", RegexOptions.NonBacktracking)]
    private static partial Regex SecretPair();

    [GeneratedRegex(@"(?<scheme>(?i:bearer|basic))\s+[A-Za-z0-9._~+/=-]{6,}", RegexOptions.NonBacktracking)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"(?<local>[A-Za-z0-9._%+-]+)(?<at>@|%40)(?<domain>[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", RegexOptions.NonBacktracking)]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<plus>\+|%2B|%2b)(?<digits>\d{7,15})\b", RegexOptions.NonBacktracking)]
    private static partial Regex Phone();

    // 40+ characters of token alphabet; Mask keeps those without a digit (dotted type names in stack traces) readable
    // and masks the rest: FCM registration tokens, APNs device tokens (64 hex), web push keys, JWTs.
    [GeneratedRegex(@"[A-Za-z0-9_\-:.]{40,}")]
    private static partial Regex Opaque();

    [GeneratedRegex(@"(?i)(api[_-]?key|token|secret|password|authorization|signature|private[_-]?key)")]
    private static partial Regex SecretKey();
}
