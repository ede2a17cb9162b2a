using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Hosting;

/// <summary>Herald with short slow-client limits (Herald:Requests), so a slowloris is cut off within a bounded test.</summary>
public sealed class SlowRequestFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Requests:MinBodyRateGracePeriod"] = "00:00:02",
        ["Herald:Requests:HeadersTimeout"] = "00:00:02",
    };
}

/// <summary>
/// Slow clients (the bad-input suite's "slow bodies"): a body or headers that trickle in and stall are cut off by Kestrel
/// within the configured limits, while a normal request on another connection is answered meanwhile.
/// </summary>
public sealed class SlowRequestTests(SlowRequestFixture server) : IClassFixture<SlowRequestFixture>
{
    /// <summary>Grace period (2 s) plus Kestrel's one-second heartbeat and scheduling slack on a shared machine.</summary>
    private static readonly TimeSpan CutOffWithin = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task SlowBody_StallsAfterAFewBytes_ConnectionCutOffWhileOthersAreServed()
    {
        var head = "POST /api/v1/notifications HTTP/1.1\r\nHost: herald\r\n"
            + $"Authorization: Bearer {HeraldServerFixture.AdminKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"event_type\":";
        await AssertCutOffAsync(head);
    }

    [Fact]
    public async Task SlowHeaders_StallMidHeader_ConnectionCutOffWhileOthersAreServed() =>
        await AssertCutOffAsync("GET /healthz HTTP/1.1\r\nHost: herald\r\nX-Slow: ");

    private async Task AssertCutOffAsync(string start)
    {
        using var slow = new TcpClient();
        await slow.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = slow.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(start));
        await stream.FlushAsync();

        // Another client meanwhile: answered at once, the stalled connection holds nothing it needs.
        using (var normal = server.CreateClient())
        {
            using var response = await normal.GetAsync(new Uri("/healthz", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(5));
            ((int)response.StatusCode).ShouldBe(200);
        }

        // The slow client sends nothing more; the server answers 408 (or just closes) and ends the connection.
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(CutOffWithin);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // A reset is a cut-off too.
        }
        catch (OperationCanceledException)
        {
            throw new ShouldAssertException($"the stalled connection was still open after {clock.Elapsed.TotalSeconds:0.0} s; received: {received}");
        }

        clock.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(1.5), "cut off by the limit, not refused at once");
        if (received.Length > 0)
        {
            received.ToString().ShouldStartWith("HTTP/1.1 408");
        }
    }
}
