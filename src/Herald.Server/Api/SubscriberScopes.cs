using System.Security.Claims;

namespace Herald.Server.Api;

/// <summary>
/// What an end user's subscriber token may do, each on the token's own user only. A token naming no scope holds them
/// all; a legacy (hex HMAC) token holds only the feed's, what it could do before scopes existed.
/// </summary>
internal static class SubscriberScopes
{
    /// <summary>Read the feed and its stream, and ask for a stream ticket.</summary>
    public const string FeedRead = "feed:read";

    /// <summary>Mark feed items read, mark all read, archive.</summary>
    public const string FeedWrite = "feed:write";

    public const string PreferencesRead = "preferences:read";
    public const string PreferencesWrite = "preferences:write";

    /// <summary>Register and remove the user's own push devices, report a push opened.</summary>
    public const string DevicesWrite = "devices:write";

    public static readonly IReadOnlyList<string> All = [FeedRead, FeedWrite, PreferencesRead, PreferencesWrite, DevicesWrite];

    /// <summary>What a legacy token holds: the feed, as before.</summary>
    public static readonly IReadOnlyList<string> Legacy = [FeedRead, FeedWrite];

    /// <summary>The first name that is not an end-user scope, for a 400 or 401 answer; null when all are known.</summary>
    public static string? Unknown(IEnumerable<string> scopes) => scopes.FirstOrDefault(s => !All.Contains(s, StringComparer.Ordinal));

    /// <summary>Whether the principal (from a subscriber token or stream ticket) holds <paramref name="scope"/>; preferences:write implies preferences:read.</summary>
    public static bool Allows(ClaimsPrincipal user, string scope)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.HasClaim(AuthSchemes.SubscriberScopeClaim, scope)
            || (scope == PreferencesRead && user.HasClaim(AuthSchemes.SubscriberScopeClaim, PreferencesWrite));
    }
}
