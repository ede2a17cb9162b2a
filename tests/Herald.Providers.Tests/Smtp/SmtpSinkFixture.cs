using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Providers.Tests.Email;

namespace Herald.Providers.Tests.Smtp;

/// <summary>
/// A real SMTP server (aiosmtpd, Debian package python3-aiosmtpd) on loopback with a self-signed certificate made here;
/// started once per test class and killed on dispose.
/// </summary>
public sealed class SmtpSinkFixture : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "herald-smtp-" + Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    /// <summary>A server without STARTTLS or AUTH.</summary>
    public int PlainPort { get; private set; }

    /// <summary>A server without STARTTLS, AUTH or SMTPUTF8 (the other servers offer SMTPUTF8).</summary>
    public int AsciiPort { get; private set; }

    /// <summary>A server without STARTTLS or AUTH that closes a connection idle for one second.</summary>
    public int IdlePort { get; private set; }

    public string User { get; } = "herald";

    public string Password { get; } = "s3cret-pässword";

    /// <summary>Hex SHA-256 of the server certificate (for ServerCertificateSha256).</summary>
    public string CertificateSha256 { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing; the SMTP tests need Debian's python3 with python3-aiosmtpd (apt-get install -y python3-aiosmtpd)");
        }

        Directory.CreateDirectory(Folder);
        var (certPath, keyPath) = WriteCertificate();
        var script = Path.Combine(Folder, "smtp_sink.py");
        await File.WriteAllTextAsync(script, SmtpSinkScript.Python);
        var mail = Directory.CreateDirectory(Path.Combine(Folder, "mail")).FullName;
        Port = FreePort();
        PlainPort = FreePort();
        AsciiPort = FreePort();
        IdlePort = FreePort();
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            script, "--dir", mail, "--cert", certPath, "--key", keyPath, "--user", User, "--password", Password,
            "--port", Port.ToString(), "--plain-port", PlainPort.ToString(),
            "--ascii-port", AsciiPort.ToString(), "--idle-port", IdlePort.ToString(), "--hang-seconds", "5",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
        if (line != "READY")
        {
            await Task.Delay(200);
            throw new InvalidOperationException($"the SMTP sink did not start (is python3-aiosmtpd installed?): {line} {Stderr}");
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The stored messages whose X-Herald-Delivery-Id is the given one.</summary>
    public IReadOnlyList<MimeReader> Messages(string deliveryId) =>
    [
        .. Directory.GetFiles(Path.Combine(Folder, "mail"), "*.eml")
            .Select(f => MimeReader.Parse(File.ReadAllText(f)))
            .Where(m => m.Header("X-Herald-Delivery-Id") == deliveryId),
    ];

    public async Task DisposeAsync()
    {
        if (_process is { } p)
        {
            try
            {
                p.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await p.WaitForExitAsync(cts.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                p.Kill(entireProcessTree: true);
            }

            p.Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private (string Cert, string Key) WriteCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        CertificateSha256 = Convert.ToHexString(SHA256.HashData(cert.RawData));
        var certPath = Path.Combine(Folder, "cert.pem");
        var keyPath = Path.Combine(Folder, "key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
