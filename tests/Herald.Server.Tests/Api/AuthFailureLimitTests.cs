using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;

namespace Herald.Server.Tests.Api;

/// <summary>A server allowing 5 failed authentications per client address and minute.</summary>
public sealed class AuthFailureLimitFixture : HeraldServerFixture
{
    public const int Limit = 5;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Security:AuthFailuresPerMinute"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Each test speaks from its own loopback address (127.0.0.x), so their failure counts never mix.</summary>
public sealed class AuthFailureLimitTests(AuthFailureLimitFixture server) : IClassFixture<AuthFailureLimitFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A client whose connections leave from <paramref name="source"/>, any loopback address on Linux.</summary>
    private HttpClient From(string source, string? apiKey)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = Bound };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    private async Task<double> MetricAsync(string series) => MetricsText.Value(await MetricsText.ScrapeAsync(server.CreateClient()), series);

    [Fact]
    public async Task WrongKeys_OneBeyondTheLimit_Return429WithRetryAfterAndNoStoreRead()
    {
        using var attacker = From("127.0.0.11", "hk_wrong-" + Guid.NewGuid().ToString("N"));
        for (var i = 0; i < AuthFailureLimitFixture.Limit; i++)
        {
            using var wrong = await attacker.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
            await wrong.ShouldBeProblemAsync(401, "unauthorized");
        }

        var lookups = await MetricAsync("herald_auth_key_lookups_total");
        var throttled = await MetricAsync("herald_auth_failures_total{reason=\"throttled\"}");

        using var limited = await attacker.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));

        var problem = await limited.ShouldBeProblemAsync(429, "too-many-auth-failures");
        problem.Detail().ShouldContain("retry after");
        limited.Headers.RetryAfter!.Delta!.Value.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        (await MetricAsync("herald_auth_key_lookups_total")).ShouldBe(lookups, "the refused key was not looked up in the store");
        (await MetricAsync("herald_auth_failures_total{reason=\"throttled\"}")).ShouldBe(throttled + 1);
    }

    [Fact]
    public async Task LimitedAddress_CorrectKeyFromAnotherAddress_StillWorks_AndAKnownKeyFromItToo()
    {
        var key = "limit-good-key-" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "read");
        using var attacker = From("127.0.0.12", "hk_wrong-" + Guid.NewGuid().ToString("N"));
        for (var i = 0; i <= AuthFailureLimitFixture.Limit; i++)
        {
            using var wrong = await attacker.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        }

        using (var limited = await attacker.GetAsync(new Uri("/api/v1/templates", UriKind.Relative)))
        {
            await limited.ShouldBeProblemAsync(429, "too-many-auth-failures");
        }

        using var other = From("127.0.0.13", key);
        using var fromOther = await other.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));
        using var sameAddressKnownKey = From("127.0.0.12", key);
        using var fromLimited = await sameAddressKnownKey.GetAsync(new Uri("/api/v1/templates", UriKind.Relative));

        ((int)fromOther.StatusCode).ShouldBe(200);
        ((int)fromLimited.StatusCode).ShouldBe(200, "a key this process already verified needs no store read, so it is not refused");
    }

    [Fact]
    public async Task WrongSubscriberTokens_BeyondTheLimit_Return429()
    {
        var user = HeraldServerFixture.NewId("user");
        using var attacker = From("127.0.0.14", null);
        for (var i = 0; i < AuthFailureLimitFixture.Limit; i++)
        {
            using var wrong = await attacker.GetAsync(new Uri($"/api/v1/users/{user}/feed?token=00ff", UriKind.Relative));
            await wrong.ShouldBeProblemAsync(401, "unauthorized");
        }

        using var limited = await attacker.GetAsync(new Uri($"/api/v1/users/{user}/feed?token=00ff", UriKind.Relative));
        using var good = await attacker.GetAsync(new Uri($"/api/v1/users/{user}/feed?token={HeraldServerFixture.SubscriberToken(user)}", UriKind.Relative));

        await limited.ShouldBeProblemAsync(429, "too-many-auth-failures");
        ((int)good.StatusCode).ShouldBe(200, "a right token costs no store read, so a limited address may still use it");
    }

    [Fact]
    public async Task WrongKey_BodyDeclaredButNeverSent_AnsweredWithoutReadingIt()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.15"), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port));
        var head = "POST /api/v1/notifications HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer hk_wrong\r\n" +
                   "Content-Type: application/json\r\nContent-Length: 200000\r\n\r\n{\"event_type\":";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));

        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Bound);

        Encoding.ASCII.GetString(buffer, 0, read).ShouldStartWith("HTTP/1.1 401");
    }
}
