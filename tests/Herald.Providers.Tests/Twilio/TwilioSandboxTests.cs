using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Twilio;

/// <summary>The adapter against the sandbox's Twilio: callbacks end to end, reconciliation, and the fake's own fidelity.</summary>
public sealed class TwilioSandboxTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    private readonly CallbackReceiver _receiver = new();

    public Task InitializeAsync() => sandbox.ClearFaultsAsync();

    public Task DisposeAsync()
    {
        _receiver.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("+15551234567", TrackingKind.Delivered, null)]
    [InlineData("+15551230666", TrackingKind.Failed, "30003")]
    public async Task StatusCallbacks_FromTheSandbox_VerifyAndReportTheOutcome(string to, TrackingKind kind, string? code)
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl, publicBaseUrl: _receiver.BaseUrl);
        var d = TwilioSetup.Delivery(to);
        var sid = (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;

        var sent = adapter.Parse(await _receiver.NextAsync(c => Form(c)["MessageStatus"] == "sent"));
        var final = adapter.Parse(await _receiver.NextAsync(c => Form(c)["MessageStatus"] != "sent"));

        sent.ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldBeEmpty();
        var e = final.ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
        e.Kind.ShouldBe(kind);
        e.DeliveryId.ShouldBe(d.Id);
        e.ProviderMessageId.ShouldBe(sid);
        if (code is not null)
        {
            e.Detail.ShouldContain(code);
        }
    }

    [Fact]
    public async Task InboundStop_FromTheSandbox_VerifiesAndOptsTheSenderOut()
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl, publicBaseUrl: _receiver.BaseUrl);
        var url = $"{_receiver.BaseUrl}/api/v1/webhooks/sms-twilio";
        (await sandbox.Admin.PostAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/twilio/inbound", new { from = "+15557770000", to = TwilioSetup.From, body = "Stop", url }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var e = adapter.Parse(await _receiver.NextAsync()).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();

        e.Kind.ShouldBe(TrackingKind.OptOut);
        e.Address.ShouldBe("+15557770000");
    }

    [Fact]
    public async Task LookUpAsync_AcceptedThenTimedOutAmongSeveral_FindsItAndNotAnotherDeliverys()
    {
        const string to = "+15553334444";
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);
        for (var i = 0; i < 3; i++)
        {
            (await adapter.SendAsync(TwilioSetup.Delivery(to, $"Earlier notification {i}"), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        }

        await sandbox.SetFaultsAsync("twilio", new { accept_then_timeout_rate = 1.0, accept_then_timeout_ms = 3_000 });
        var lost = TwilioSetup.Delivery(to, "Your parcel is out for delivery");
        (await TwilioSetup.Adapter(sandbox.BaseUrl, TimeSpan.FromMilliseconds(300)).SendAsync(lost, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Unknown>();
        await sandbox.ClearFaultsAsync();
        (await adapter.SendAsync(TwilioSetup.Delivery(to, "A later notification"), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        (await adapter.LookUpAsync(lost, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        (await adapter.LookUpAsync(TwilioSetup.Delivery(to, "Never sent"), CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
        (await adapter.LookUpAsync(TwilioSetup.Delivery("+15559990000", "Your parcel is out for delivery"), CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
    }

    [Fact]
    public async Task ListEndpoint_PagesThroughFilteredMessagesNewestFirst()
    {
        const string to = "+15556667777";
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);
        for (var i = 0; i < 5; i++)
        {
            await adapter.SendAsync(TwilioSetup.Delivery(to, $"message {i}"), CancellationToken.None);
        }

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var bodies = new List<string>();
        string? next = $"/2010-04-01/Accounts/{TwilioSetup.AccountSid}/Messages.json?To=%2B15556667777&DateSent%3E={today}&PageSize=2";
        while (next is not null)
        {
            var page = await Get(next);
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            var json = (await page.Content.ReadFromJsonAsync<JsonObject>())!;
            bodies.AddRange(json["messages"]!.AsArray().Select(m => m!["body"]!.GetValue<string>()));
            json["messages"]!.AsArray().ShouldAllBe(m => m!["to"]!.GetValue<string>() == to && m["sid"]!.GetValue<string>().StartsWith("SM"));
            next = (string?)json["next_page_uri"];
        }

        bodies.ShouldBe(["message 4", "message 3", "message 2", "message 1", "message 0"]);
        var none = await (await Get($"/2010-04-01/Accounts/{TwilioSetup.AccountSid}/Messages.json?To=%2B15556667777&DateSent%3C=2001-01-01")).Content.ReadFromJsonAsync<JsonObject>();
        none!["messages"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Create_WrongCredentials_Is401WithTwiliosErrorBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{sandbox.BaseUrl}/2010-04-01/Accounts/{TwilioSetup.AccountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent([new("To", "+15551234567"), new("From", TwilioSetup.From), new("Body", "hi")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioSetup.AccountSid}:wrong")));

        using var response = await sandbox.Admin.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        body["code"]!.GetValue<int>().ShouldBe(20003);
        body["status"]!.GetValue<int>().ShouldBe(401);
    }

    [Theory]
    [InlineData("+15005550001", 21211)]
    [InlineData("+15005550002", 21612)]
    [InlineData("+15005550003", 21408)]
    [InlineData("+15005550004", 21610)]
    [InlineData("+15005550009", 21614)]
    [InlineData("5551234567", 21211)]
    public async Task Create_MagicOrInvalidNumber_AnswersTwiliosCode(string to, int code) =>
        (await CreateAsync([new("To", to), new("From", TwilioSetup.From), new("Body", "hi")])).ShouldBe((400, code));

    [Fact]
    public async Task Create_MissingOrOversizedFields_AnswersTwiliosCodes()
    {
        (await CreateAsync([new("From", TwilioSetup.From), new("Body", "hi")])).ShouldBe((400, 21604));
        (await CreateAsync([new("To", "+15551234567"), new("Body", "hi")])).ShouldBe((400, 21603));
        (await CreateAsync([new("To", "+15551234567"), new("From", TwilioSetup.From)])).ShouldBe((400, 21602));
        (await CreateAsync([new("To", "+15551234567"), new("From", TwilioSetup.From), new("Body", new string('x', 1601))])).ShouldBe((400, 21617));
        (await CreateAsync([new("To", "+15551234567"), new("From", TwilioSetup.From), new("Body", new string('x', 1600))])).Status.ShouldBe(201);
    }

    private async Task<(int Status, int? Code)> CreateAsync(List<KeyValuePair<string, string>> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{sandbox.BaseUrl}/2010-04-01/Accounts/{TwilioSetup.AccountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioSetup.AccountSid}:{TwilioSetup.AuthToken}")));
        using var response = await sandbox.Admin.SendAsync(request);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((int)response.StatusCode, body["code"]?.GetValue<int>());
    }

    private async Task<HttpResponseMessage> Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, sandbox.BaseUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioSetup.AccountSid}:{TwilioSetup.AuthToken}")));
        return await sandbox.Admin.SendAsync(request);
    }

    private static Dictionary<string, string> Form(InboundCallback c) => c.Form().ToDictionary(p => p.Key, p => p.Value);
}
