using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Core.Domain;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Herald.Providers.Smtp;

/// <summary>
/// The open SMTP connections of one provider: at most <see cref="SmtpOptions.MaxConnections"/>, each carrying one message
/// at a time (MailKit's client is not thread-safe), kept open between messages and closed when idle for
/// <see cref="IdleLimit"/> (servers drop idle clients after a few minutes; RFC 5321 4.5.3.2.7 asks for at least five).
/// A connection is connected, secured (<see cref="SmtpSecurity"/>) and authenticated when taken, so a caller only sends;
/// failing to get there is an outcome (4xx and network trouble retry, TLS and AUTH refusals are misconfigurations).
/// </summary>
internal sealed class SmtpConnectionPool(SmtpOptions options, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _slots = new(options.MaxConnections, options.MaxConnections);
    private readonly ConcurrentStack<(StagedSmtpClient Client, long IdleSince)> _idle = new();

    /// <summary>
    /// Waits for a free slot, then returns an idle connection (<c>Reused</c>) or opens a new one (always when <paramref name="fresh"/>).
    /// When no connection could be had, <c>Failure</c> says why and no slot is held; otherwise the client must be given
    /// back with <see cref="Return"/>.
    /// </summary>
    public async Task<(StagedSmtpClient? Client, bool Reused, DeliveryOutcome? Failure)> TakeAsync(bool fresh, CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        var release = true;
        try
        {
            while (!fresh && _idle.TryPop(out var idle))
            {
                if (idle.Client.IsConnected && time.GetElapsedTime(idle.IdleSince) < IdleLimit)
                {
                    release = false;
                    return (idle.Client, true, null);
                }

                await CloseAsync(idle.Client);
            }

            var (client, failure) = await ConnectAsync(ct);
            release = client is null;
            return (client, false, failure);
        }
        finally
        {
            if (release)
            {
                _slots.Release();
            }
        }
    }

    /// <summary>Gives a connection back: kept for the next message while still connected and <paramref name="keep"/>, else disposed.</summary>
    public void Return(StagedSmtpClient client, bool keep)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (keep && client.IsConnected)
        {
            _idle.Push((client, time.GetTimestamp()));
        }
        else
        {
            client.Dispose();
        }

        _slots.Release();
    }

    public void Dispose()
    {
        while (_idle.TryPop(out var idle))
        {
            idle.Client.Dispose();
        }

        _slots.Dispose();
    }

    private async Task<(StagedSmtpClient? Client, DeliveryOutcome? Failure)> ConnectAsync(CancellationToken ct)
    {
        var client = new StagedSmtpClient
        {
            Timeout = (int)options.Timeout.TotalMilliseconds,
            LocalDomain = options.HeloName,
            ServerCertificateValidationCallback = ValidateCertificate,
        };
        var failure = await ConnectAsync(client, ct) ?? await AuthenticateAsync(client, ct);
        if (failure is not null)
        {
            client.Dispose();
            return (null, failure);
        }

        return (client, null);
    }

    /// <summary>Greeting, EHLO and TLS; null when connected.</summary>
    private async Task<DeliveryOutcome?> ConnectAsync(StagedSmtpClient client, CancellationToken ct)
    {
        // MailKit bounds each read and write by its Timeout; the connect itself gets the same bound here.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Timeout);
        try
        {
            await client.ConnectAsync(options.Host, options.Port, SocketOptions(options.Security), deadline.Token);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DeliveryOutcome.Retry($"could not connect to {options.Host}:{options.Port} within {options.Timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or SmtpProtocolException)
        {
            return new DeliveryOutcome.Retry($"could not connect to {options.Host}:{options.Port}: {ex.Message}");
        }
        catch (SslHandshakeException ex)
        {
            return new DeliveryOutcome.Misconfigured($"TLS with {options.Host} failed: {FirstLine(ex.Message)}");
        }
        catch (NotSupportedException) when (options.Security == SmtpSecurity.StartTlsRequired)
        {
            return new DeliveryOutcome.Misconfigured(
                $"{options.Host} does not offer STARTTLS (set Security to StartTlsWhenAvailable or None only for a trusted relay)");
        }
        catch (SmtpCommandException ex)
        {
            // A refusal before any message (554 at the greeting, 502 to EHLO, 454 to STARTTLS): retried when 4xx.
            return SmtpOutcomes.Map(SmtpStage.Greeting, SmtpReply.From((int)ex.StatusCode, ex.Message))
                ?? new DeliveryOutcome.Misconfigured($"SMTP Greeting: unexpected {(int)ex.StatusCode} {ex.Message}");
        }
    }

    /// <summary>AUTH with the configured credentials (MailKit picks the strongest mechanism both sides know); null when done.</summary>
    private async Task<DeliveryOutcome?> AuthenticateAsync(StagedSmtpClient client, CancellationToken ct)
    {
        if (options.Username is not { } user)
        {
            return null;
        }

        try
        {
            await client.AuthenticateAsync(Encoding.UTF8, new NetworkCredential(user, options.Password), ct);
            return null;
        }
        catch (AuthenticationException ex)
        {
            return ex.InnerException is SmtpCommandException reply
                ? SmtpOutcomes.Map(SmtpStage.Auth, SmtpReply.From((int)reply.StatusCode, reply.Message)) ?? new DeliveryOutcome.Misconfigured($"SMTP Auth: {ex.Message}")
                : new DeliveryOutcome.Misconfigured($"SMTP Auth: {ex.Message}");
        }
        catch (NotSupportedException)
        {
            var offered = client.AuthenticationMechanisms.Count == 0 ? "no AUTH" : "only AUTH " + string.Join(' ', client.AuthenticationMechanisms);
            return new DeliveryOutcome.Misconfigured($"credentials are set but {options.Host} offers {offered}");
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or SmtpProtocolException)
        {
            return new DeliveryOutcome.Retry($"connection to {options.Host} lost during AUTH: {ex.Message}");
        }
    }

    private static string FirstLine(string text) => text.ReplaceLineEndings("\n").Split('\n')[0];

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTlsRequired => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.None,
    };

    private static async Task CloseAsync(SmtpClient client)
    {
        using (client)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, quick.Token);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or SmtpProtocolException or SmtpCommandException)
            {
                // A stale connection may already be gone; closing it is all that was wanted.
            }
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (options.CertificatePin is not { } pin)
        {
            return errors == SslPolicyErrors.None;
        }

        // A pinned certificate is trusted by its hash alone (self-signed relays); the name and chain do not matter.
        return certificate is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin);
    }
}
