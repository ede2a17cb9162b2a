using Herald.Providers.Abstractions;

namespace Herald.Providers.Email;

/// <summary>Header look-up on a callback that does not depend on how the host cased or compared the header names.</summary>
internal static class CallbackHeaders
{
    public static string? Get(InboundCallback callback, string name)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (callback.Header(name) is { } exact)
        {
            return exact;
        }

        foreach (var (key, value) in callback.Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
