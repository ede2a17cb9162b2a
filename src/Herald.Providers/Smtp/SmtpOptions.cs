using System.Globalization;
using System.Net;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Smtp;

/// <summary>The connection settings of one SMTP provider, read and validated at start.</summary>
internal sealed record SmtpOptions(string Host, int Port, bool StartTls, string? Username, string? Password, byte[]? CertificatePin, string HeloName, TimeSpan Timeout)
{
    public static SmtpOptions Read(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Required("Host");
        var port = 587;
        if (context.Optional("Port") is { } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ProviderConfigurationException($"{context.Setting("Port")} must be a TCP port (1-65535), got '{p}'");
        }

        var startTls = true;
        if (context.Optional("StartTls") is { } s && !bool.TryParse(s, out startTls))
        {
            throw new ProviderConfigurationException($"{context.Setting("StartTls")} must be true or false, got '{s}'");
        }

        var username = context.Optional("Username");
        var password = context.Optional("Password");
        if ((username is null) != (password is null))
        {
            throw new ProviderConfigurationException($"{context.Setting("Username")} and {context.Setting("Password")} must be set together");
        }

        byte[]? pin = null;
        if (context.Optional("ServerCertificateSha256") is { } hex)
        {
            try
            {
                pin = Convert.FromHexString(hex.Replace(":", "", StringComparison.Ordinal).Trim());
            }
            catch (FormatException)
            {
                pin = null;
            }

            if (pin is not { Length: 32 })
            {
                throw new ProviderConfigurationException($"{context.Setting("ServerCertificateSha256")} must be the 64 hex digits of the certificate's SHA-256");
            }
        }

        return new SmtpOptions(host, port, startTls, username, password, pin, context.Optional("HeloName") ?? Dns.GetHostName(), context.Timeout);
    }
}
