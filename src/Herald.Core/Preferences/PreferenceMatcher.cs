namespace Herald.Core.Preferences;

/// <summary>
/// Picks the one <see cref="PreferenceRule"/> that governs an event type on a channel. An exact event type beats the
/// longest matching prefix pattern ("order.*"), which beats "*"; for equal event type specificity a named channel
/// beats "*". Among rules of equal specificity the first in the list wins. Rules with an invalid pattern never match.
/// </summary>
public static class PreferenceMatcher
{
    private const string Wildcard = "*";
    private const string PrefixSuffix = ".*";

    /// <summary>Returns the most specific rule for <paramref name="eventType"/> on <paramref name="channel"/>, or null.</summary>
    public static PreferenceRule? Match(IReadOnlyList<PreferenceRule> rules, string eventType, string channel)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(channel);

        PreferenceRule? best = null;
        var bestScore = -1;
        foreach (var rule in rules)
        {
            var score = Score(rule, eventType, channel);
            if (score > bestScore)
            {
                best = rule;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>
    /// The recipient's digest choice for <paramref name="eventType"/>: that of the most specific rule for channel "*" that
    /// makes one (a rule without a choice does not hide a broader rule's), or null when none does.
    /// </summary>
    public static bool? DigestChoice(IReadOnlyList<PreferenceRule> rules, string eventType)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(eventType);
        bool? choice = null;
        var bestScore = -1;
        foreach (var rule in rules)
        {
            if (rule.Digest is not { } digest || rule.Channel != Wildcard)
            {
                continue;
            }

            var score = Score(rule, eventType, Wildcard);
            if (score > bestScore)
            {
                choice = digest;
                bestScore = score;
            }
        }

        return choice;
    }

    /// <summary>
    /// True for "*", a dotted name ("order.shipped") or a dotted name ending in ".*" ("order.*"). Names use ASCII
    /// letters, digits, '_' and '-', separated by single dots.
    /// </summary>
    public static bool IsValidPattern(string pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return false;
        }

        if (pattern == Wildcard)
        {
            return true;
        }

        var name = pattern.EndsWith(PrefixSuffix, StringComparison.Ordinal) ? pattern[..^PrefixSuffix.Length] : pattern;
        return IsDottedName(name);
    }

    // Score layout: event specificity in the high part (exact above every prefix length above "*"), named channel
    // as the lowest bit, so one integer comparison applies both precedence levels. -1 means no match.
    private static int Score(PreferenceRule rule, string eventType, string channel)
    {
        var channelBit = rule.Channel == channel ? 1 : rule.Channel == Wildcard ? 0 : -1;
        if (channelBit < 0 || !IsValidPattern(rule.EventType))
        {
            return -1;
        }

        var eventScore = EventScore(rule.EventType, eventType);
        return eventScore < 0 ? -1 : (eventScore * 2) + channelBit;
    }

    private static int EventScore(string pattern, string eventType)
    {
        if (pattern == Wildcard)
        {
            return 0;
        }

        if (pattern.EndsWith(PrefixSuffix, StringComparison.Ordinal))
        {
            var prefix = pattern[..^1];
            var matches = eventType.Length > prefix.Length && eventType.StartsWith(prefix, StringComparison.Ordinal);
            return matches ? prefix.Length : -1;
        }

        // Event types are capped well below this, so an exact match always outranks any prefix.
        return pattern == eventType ? int.MaxValue / 4 : -1;
    }

    private static bool IsDottedName(string name)
    {
        if (name.Length == 0 || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
