using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Herald.Providers.Smtp;

/// <summary>One SMTP reply: the code and the text of every line (a multi-line reply has several).</summary>
internal sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>The RFC 3463 enhanced status code (<c>5.1.1</c>) at the start of the text, when the server sent one.</summary>
    public string? Enhanced =>
        Lines.Count > 0 && Lines[0].Split(' ', 2)[0] is { } first && first.Length >= 5 && first[1] == '.' && char.IsDigit(first[0]) ? first : null;

    public override string ToString() => $"{Code} {string.Join(" / ", Lines)}".TrimEnd();
}

/// <summary>
/// The line protocol of one SMTP connection (RFC 5321): commands out, (multi-line) replies in, STARTTLS upgrade. Every
/// wait is bounded by <see cref="Timeout"/>; a timeout surfaces as <see cref="TimeoutException"/>.
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private const int MaxLine = 4096;
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[8192];
    private Stream _stream;
    private int _start;
    private int _end;

    private SmtpConnection(TcpClient tcp, TimeSpan timeout)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Timeout = timeout;
    }

    public TimeSpan Timeout { get; }

    public static async Task<SmtpConnection> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var cts = Deadline(timeout, ct);
            await tcp.ConnectAsync(host, port, cts.Token);
            return new SmtpConnection(tcp, timeout);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new TimeoutException($"could not connect within {timeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task<SmtpReply> ReadReplyAsync(CancellationToken ct)
    {
        using var cts = Deadline(Timeout, ct);
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token, ct);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                throw new IOException($"malformed SMTP reply '{Snippet(line)}'");
            }

            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
            {
                return new SmtpReply(code, lines);
            }
        }
    }

    public async Task<SmtpReply> CommandAsync(string command, CancellationToken ct)
    {
        await WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), ct);
        return await ReadReplyAsync(ct);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        using var cts = Deadline(Timeout, ct);
        try
        {
            await _stream.WriteAsync(data, cts.Token);
            await _stream.FlushAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no progress writing to the SMTP server within {Timeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Upgrades to TLS after a 220 answer to STARTTLS. Validation failures throw <see cref="AuthenticationException"/>.</summary>
    public async Task StartTlsAsync(string host, RemoteCertificateValidationCallback validate, CancellationToken ct)
    {
        if (_start != _end)
        {
            throw new IOException("the server sent data before the TLS handshake (possible injection)");
        }

        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var cts = Deadline(Timeout, ct);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                RemoteCertificateValidationCallback = validate,
            }, cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            throw new TimeoutException($"TLS handshake did not finish within {Timeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        _stream = ssl;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<string> ReadLineAsync(CancellationToken token, CancellationToken caller)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(span[..lf]).TrimEnd('\r');
                _start += lf + 1;
                return line;
            }

            if (_end - _start >= MaxLine)
            {
                throw new IOException("SMTP reply line too long");
            }

            if (_start > 0)
            {
                span.CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), token);
            }
            catch (OperationCanceledException) when (!caller.IsCancellationRequested)
            {
                throw new TimeoutException($"no SMTP reply within {Timeout.TotalMilliseconds:0} ms");
            }

            if (read == 0)
            {
                throw new IOException("the SMTP server closed the connection");
            }

            _end += read;
        }
    }

    private static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static string Snippet(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
