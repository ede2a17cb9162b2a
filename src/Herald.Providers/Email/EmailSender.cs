using Herald.Providers.Abstractions;

namespace Herald.Providers.Email;

/// <summary>The sender settings every email adapter reads: <c>From</c> (required) and <c>ReplyTo</c> (optional).</summary>
internal sealed record EmailSender(EmailAddress From, EmailAddress? ReplyTo)
{
    /// <summary>Reads and validates <c>From</c> and <c>ReplyTo</c>; a bad value fails start naming the setting.</summary>
    public static EmailSender Read(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var from = Parse(context, "From", context.Required("From"));
        var replyTo = context.Optional("ReplyTo") is { } r ? Parse(context, "ReplyTo", r) : null;
        return new EmailSender(from, replyTo);
    }

    private static EmailAddress Parse(ProviderContext context, string key, string value) =>
        EmailAddress.TryParse(value, out var address)
            ? address
            : throw new ProviderConfigurationException($"{context.Setting(key)} must be 'Name <address>' or an address, got '{value}'");
}
