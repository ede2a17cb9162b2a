using System.Diagnostics.CodeAnalysis;

namespace Herald.Providers.Email;

/// <summary>A mailbox: an address with an optional display name, parsed from <c>Name &lt;addr&gt;</c> or <c>addr</c>.</summary>
internal sealed record EmailAddress(string Address, string? DisplayName)
{
    /// <summary>The domain part (after the last <c>@</c>).</summary>
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];

    public static bool TryParse(string? value, [NotNullWhen(true)] out EmailAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value) || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return false;
        }

        value = value.Trim();
        string? name = null;
        var addr = value;
        var open = value.LastIndexOf('<');
        if (open >= 0)
        {
            if (!value.EndsWith('>'))
            {
                return false;
            }

            addr = value[(open + 1)..^1].Trim();
            name = value[..open].Trim().Trim('"').Trim();
            name = name.Length == 0 ? null : name;
        }

        if (!IsAddress(addr))
        {
            return false;
        }

        address = new EmailAddress(addr, name);
        return true;
    }

    /// <summary>
    /// A plain syntax check of an addr-spec (one <c>@</c>, non-empty local part and dotted domain, no spaces or angle
    /// brackets). Vendors judge deliverability; this only keeps protocol lines well formed.
    /// </summary>
    public static bool IsAddress(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1 || value.Length > 254)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or '\\' or '[' or ']')
            {
                return false;
            }
        }

        var domain = value[(at + 1)..];
        return domain.Contains('.', StringComparison.Ordinal) && !domain.StartsWith('.') && !domain.EndsWith('.');
    }

    public override string ToString() => DisplayName is null ? Address : $"{DisplayName} <{Address}>";
}
