using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Client.Tests;

public sealed class RetryTests
{
    private static readonly SendNotificationRequest Send = new("order.shipped") { RecipientId = "ada" };

    [Fact]
    public async Task SendNotificationAsync_503WithRetryAfter_WaitsAndRetriesWithSameKey()
    {
        await using var server = await ScriptedServer.StartAsync(ScriptedResponse.Overloaded("1"), ScriptedResponse.Accepted("n-1"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var accepted = await new HeraldClient(http).SendNotificationAsync(Send, ClientServerFixture.Timeout());

        accepted.Id.ShouldBe("n-1");
        var received = server.Received.ToArray();
        received.Length.ShouldBe(2);
        received[0].IdempotencyKey.ShouldNotBeNullOrWhiteSpace();
        received[1].IdempotencyKey.ShouldBe(received[0].IdempotencyKey);
        JsonNode.Parse(received[1].Body)!["idempotency_key"]!.GetValue<string>().ShouldBe(received[0].IdempotencyKey);
        (received[1].At - received[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task SendNotificationAsync_CallerKey_SentOnEveryAttempt()
    {
        await using var server = await ScriptedServer.StartAsync(new ScriptedResponse(429, "{}", "0"), ScriptedResponse.Accepted("n-2"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        await new HeraldClient(http).SendNotificationAsync(Send with { IdempotencyKey = "order-A1" }, ClientServerFixture.Timeout());

        server.Received.Select(r => r.IdempotencyKey).ShouldBe(["order-A1", "order-A1"]);
    }

    [Fact]
    public async Task SendNotificationAsync_AlwaysOverloaded_StopsAfterMaxRetriesWithProblem()
    {
        await using var server = await ScriptedServer.StartAsync(ScriptedResponse.Overloaded("0"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HeraldClient(http, new HeraldClientOptions { MaxRetries = 2 });

        var ex = await Should.ThrowAsync<HeraldApiException>(() => client.SendNotificationAsync(Send, ClientServerFixture.Timeout()));

        server.Received.Count.ShouldBe(3);
        ex.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ex.Type.ShouldBe("https://herald.dev/problems/overloaded");
    }

    [Fact]
    public async Task SendNotificationAsync_RetryAfterBeyondTotalDelay_DoesNotWait()
    {
        await using var server = await ScriptedServer.StartAsync(ScriptedResponse.Overloaded("120"), ScriptedResponse.Accepted("n-3"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HeraldClient(http, new HeraldClientOptions { MaxTotalRetryDelay = TimeSpan.FromSeconds(5) });

        await Should.ThrowAsync<HeraldApiException>(() => client.SendNotificationAsync(Send, ClientServerFixture.Timeout(10)));

        server.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task SendNotificationAsync_RetryAfterAsPastDate_RetriesAtOnce()
    {
        await using var server = await ScriptedServer.StartAsync(
            ScriptedResponse.Overloaded(DateTimeOffset.UtcNow.AddMinutes(-1).ToString("R")), ScriptedResponse.Accepted("n-5"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HeraldClient(http, new HeraldClientOptions { BaseRetryDelay = TimeSpan.FromSeconds(20) });

        var accepted = await client.SendNotificationAsync(Send, ClientServerFixture.Timeout(10));

        accepted.Id.ShouldBe("n-5");
        server.Received.Count.ShouldBe(2);
    }

    [Fact]
    public async Task SendNotificationAsync_CancelledWhileWaitingToRetry_StopsWaiting()
    {
        await using var server = await ScriptedServer.StartAsync(ScriptedResponse.Overloaded("20"), ScriptedResponse.Accepted("n-6"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTimeOffset.UtcNow;

        await Should.ThrowAsync<OperationCanceledException>(() => new HeraldClient(http).SendNotificationAsync(Send, cancel.Token));

        (DateTimeOffset.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(10));
        server.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task SendNotificationAsync_TwoCalls_GenerateDifferentKeys()
    {
        await using var server = await ScriptedServer.StartAsync(ScriptedResponse.Accepted("n-4"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HeraldClient(http);

        await client.SendNotificationAsync(Send, ClientServerFixture.Timeout());
        await client.SendNotificationAsync(Send, ClientServerFixture.Timeout());

        server.Received.Select(r => r.IdempotencyKey).Distinct().Count().ShouldBe(2);
    }

    [Fact]
    public async Task GetHealthAsync_ConnectionRefused_Retried()
    {
        var counter = new CountingHandler();
        using var http = new HttpClient(counter) { BaseAddress = ClosedPort() };
        var client = new HeraldClient(http, new HeraldClientOptions { MaxRetries = 2, BaseRetryDelay = TimeSpan.FromMilliseconds(10) });

        await Should.ThrowAsync<HttpRequestException>(() => client.GetHealthAsync(ClientServerFixture.Timeout()));

        counter.Attempts.ShouldBe(3);
    }

    [Fact]
    public async Task CreateTemplateAsync_ConnectionRefused_NotRetried()
    {
        var counter = new CountingHandler();
        using var http = new HttpClient(counter) { BaseAddress = ClosedPort() };
        var client = new HeraldClient(http, new HeraldClientOptions { MaxRetries = 2, BaseRetryDelay = TimeSpan.FromMilliseconds(10) });

        await Should.ThrowAsync<HttpRequestException>(() =>
            client.CreateTemplateAsync(new CreateTemplateRequest("t", new JsonObject()), ClientServerFixture.Timeout()));

        counter.Attempts.ShouldBe(1);
    }

    private static Uri ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    /// <summary>Counts the requests that reach the real socket handler (which then fails to connect).</summary>
    [Fact]
    public async Task GetReadinessAsync_HeraldAnswers503_ReturnsNotReadyWithoutRetrying()
    {
        await using var server = await ScriptedServer.StartAsync(
            new ScriptedResponse(503, """{"status":"not ready","version":"1.0.0","checks":{"store":"failing: error"}}""", "0", "application/json"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var health = await new HeraldClient(http).GetReadinessAsync(ClientServerFixture.Timeout());

        health.Status.ShouldBe("not ready");
        health.Checks["store"].ShouldBe("failing: error");
        server.Received.ShouldHaveSingleItem().Path.ShouldBe("/readyz");
    }

    [Fact]
    public async Task GetReadinessAsync_ProxyAnswers503_ThrowsWithTheStatus()
    {
        await using var server = await ScriptedServer.StartAsync(new ScriptedResponse(503, "<html>bad gateway</html>", null, "text/html"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var ex = await Should.ThrowAsync<HeraldApiException>(() => new HeraldClient(http).GetReadinessAsync(ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ex.Problem.ShouldBeNull();
        server.Received.Count.ShouldBe(1);
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
