using System.Globalization;
using System.Net;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Smtp;

/// <summary>How an SMTP provider protects its connection (<c>Security</c>).</summary>
internal enum SmtpSecurity
{
    /// <summary>Upgrade with STARTTLS; a server that does not offer it is a misconfiguration (the default).</summary>
    StartTlsRequired,

    /// <summary>Upgrade with STARTTLS when offered, else stay in plain text (trusted relays only).</summary>
    StartTlsWhenAvailable,

    /// <summary>Implicit TLS from the first byte (RFC 8314, port 465).</summary>
    SslOnConnect,

    /// <summary>Plain text (a relay on the same host or network).</summary>
    None,
}

/// <summary>The connection settings of one SMTP provider, read and validated at start.</summary>
internal sealed record SmtpOptions(
    string Host, int Port, SmtpSecurity Security, string? Username, string? Password, byte[]? CertificatePin, string HeloName, TimeSpan Timeout, int MaxConnections)
{
    public const int ImplicitTlsPort = 465;

    public static SmtpOptions Read(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Required("Host");
        int? port = null;
        if (context.Optional("Port") is { } p)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > 65535)
            {
                throw new ProviderConfigurationException($"{context.Setting("Port")} must be a TCP port (1-65535), got '{p}'");
            }

            port = parsed;
        }

        var security = ReadSecurity(context, port);
        var username = context.Optional("Username");
        var password = context.Optional("Password");
        if ((username is null) != (password is null))
        {
            throw new ProviderConfigurationException($"{context.Setting("Username")} and {context.Setting("Password")} must be set together");
        }

        var maxConnections = 2;
        if (context.Optional("MaxConnections") is { } m
            && (!int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out maxConnections) || maxConnections is < 1 or > 64))
        {
            throw new ProviderConfigurationException($"{context.Setting("MaxConnections")} must be a number from 1 to 64, got '{m}'");
        }

        return new SmtpOptions(host, port ?? (security == SmtpSecurity.SslOnConnect ? ImplicitTlsPort : 587), security, username, password,
            ReadPin(context), context.Optional("HeloName") ?? Dns.GetHostName(), context.Timeout, maxConnections);
    }

    /// <summary><c>Security</c> when set; otherwise the older <c>StartTls</c> (false: plain text), implicit TLS on 465, else STARTTLS required.</summary>
    private static SmtpSecurity ReadSecurity(ProviderContext context, int? port)
    {
        bool? startTls = null;
        if (context.Optional("StartTls") is { } s)
        {
            startTls = bool.TryParse(s, out var parsed)
                ? parsed
                : throw new ProviderConfigurationException($"{context.Setting("StartTls")} must be true or false, got '{s}'");
        }

        if (context.Optional("Security") is { } value)
        {
            // Names only: Enum.TryParse would also take "1" or "StartTlsRequired,None".
            if (!value.All(char.IsAsciiLetter) || !Enum.TryParse<SmtpSecurity>(value, ignoreCase: true, out var security))
            {
                throw new ProviderConfigurationException(
                    $"{context.Setting("Security")} must be one of {string.Join(", ", Enum.GetNames<SmtpSecurity>())}, got '{value}'");
            }

            if (startTls is not null)
            {
                throw new ProviderConfigurationException($"{context.Setting("Security")} and {context.Setting("StartTls")} cannot both be set; keep Security");
            }

            return security;
        }

        return startTls == false ? SmtpSecurity.None : port == ImplicitTlsPort ? SmtpSecurity.SslOnConnect : SmtpSecurity.StartTlsRequired;
    }

    private static byte[]? ReadPin(ProviderContext context)
    {
        if (context.Optional("ServerCertificateSha256") is not { } hex)
        {
            return null;
        }

        byte[]? pin;
        try
        {
            pin = Convert.FromHexString(hex.Replace(":", "", StringComparison.Ordinal).Trim());
        }
        catch (FormatException)
        {
            pin = null;
        }

        return pin is { Length: 32 }
            ? pin
            : throw new ProviderConfigurationException($"{context.Setting("ServerCertificateSha256")} must be the 64 hex digits of the certificate's SHA-256");
    }
}
