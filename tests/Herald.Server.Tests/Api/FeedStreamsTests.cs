using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>The caps on open feed streams: per user and per process, 429 with Retry-After and a problem body beyond them.</summary>
public sealed class FeedStreamsTests(FeedStreamsTests.CappedServer server) : IClassFixture<FeedStreamsTests.CappedServer>
{
    [Fact]
    public async Task Stream_UserAtCap_429WithRetryAfterUntilOneCloses()
    {
        var user = HeraldServerFixture.NewId("user");
        using var client = server.CreateClient();
        var first = await OpenAsync(client, user);
        using var second = await OpenAsync(client, user);
        ((int)first.StatusCode).ShouldBe(200);
        ((int)second.StatusCode).ShouldBe(200);

        using var refused = await OpenAsync(client, user);

        using var problem = await refused.ShouldBeProblemAsync(429, "too-many-streams");
        refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(10));
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("2 open streams");

        first.Dispose();
        await Polling.WaitUntilAsync(async () =>
        {
            using var again = await OpenAsync(client, user);
            return (int)again.StatusCode == 200;
        }, TimeSpan.FromSeconds(5), "a closed stream frees its slot");
    }

    [Fact]
    public async Task Stream_ProcessAtCap_429ForAnyUser()
    {
        using var client = server.CreateClient();
        var open = new List<HttpResponseMessage>();
        try
        {
            // The other test may hold streams of its own: fill whatever room is left.
            for (var i = 0; i < CappedServer.PerProcess; i++)
            {
                var response = await OpenAsync(client, HeraldServerFixture.NewId("user"));
                open.Add(response);
                if ((int)response.StatusCode == 429)
                {
                    break;
                }
            }

            var refused = open[^1].StatusCode == System.Net.HttpStatusCode.TooManyRequests ? open[^1] : await OpenAsync(client, HeraldServerFixture.NewId("user"));
            using var problem = await refused.ShouldBeProblemAsync(429, "too-many-streams");
            refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
            problem.RootElement.GetProperty("detail").GetString()!.ShouldContain($"maximum of {CappedServer.PerProcess}");
            refused.Dispose();
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }

        // Leave the room free for the other test: the server lets go of a stream once it sees the client gone.
        await Polling.WaitUntilAsync(async () =>
        {
            using var again = await OpenAsync(client, HeraldServerFixture.NewId("user"));
            return (int)again.StatusCode == 200;
        }, TimeSpan.FromSeconds(5), "closed streams free their slots");
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/users/{user}/feed/stream", UriKind.Relative));
        request.Headers.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(user));
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public sealed class CappedServer : HeraldServerFixture
    {
        public const int PerProcess = 4;

        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["Herald:Feed:MaxStreamsPerUser"] = "2",
            ["Herald:Feed:MaxStreamsPerProcess"] = PerProcess.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
