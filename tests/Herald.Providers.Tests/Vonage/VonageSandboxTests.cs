using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Tracking;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Twilio;
using Herald.Sandbox.Core;

namespace Herald.Providers.Tests.Vonage;

/// <summary>
/// The adapter against a sandbox whose Vonage signs its receipts (its own host: the shared fixture has no secret):
/// receipts end to end, and the fake's answers for bad credentials and missing fields.
/// </summary>
public sealed class VonageSandboxTests : IAsyncLifetime
{
    private const string Secret = "vonage-signature-secret";
    private readonly CallbackReceiver _receiver = new();
    private readonly HttpClient _client = new();
    private SandboxHost? _sandbox;

    private SandboxHost Sandbox => _sandbox!;

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync([], new Dictionary<string, string?>
    {
        ["Sandbox:Urls"] = "http://127.0.0.1:0",
        ["Sandbox:Http2Urls"] = "http://127.0.0.1:0",
        ["Sandbox:vonage:SignatureSecret"] = Secret,
        ["Logging:LogLevel:Default"] = "Warning",
    });

    public async Task DisposeAsync()
    {
        _receiver.Dispose();
        _client.Dispose();
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("+447700900123", TrackingKind.Delivered)]
    [InlineData("+447700900666", TrackingKind.Failed)]
    public async Task Receipt_FromTheSandbox_VerifiesAndReportsTheOutcome(string to, TrackingKind kind)
    {
        var adapter = Adapter(Secret);
        var d = VonageSetup.Delivery(to);
        var id = (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;

        var callback = await _receiver.NextAsync();

        var e = adapter.Parse(callback).ShouldBeOfType<CallbackResult.Accepted>().Events.ShouldHaveSingleItem();
        e.Kind.ShouldBe(kind);
        e.DeliveryId.ShouldBe(d.Id);
        e.ProviderMessageId.ShouldBe(id);
        Adapter("another-secret").Parse(callback).ShouldBeOfType<CallbackResult.Rejected>().Status.ShouldBe(401);
    }

    [Fact]
    public async Task Send_BadCredentials_IsHttp200WithStatus4()
    {
        var body = await PostAsync(new() { ["api_key"] = VonageSetup.ApiKey, ["api_secret"] = "wrong", ["from"] = "Herald", ["to"] = "447700900123", ["text"] = "hi" });

        body.Status.ShouldBe(200);
        body.Message["status"]!.GetValue<string>().ShouldBe("4");
        (await VonageSetup.Adapter(Sandbox.BaseUrl, settings: new Dictionary<string, string?> { ["ApiSecret"] = "wrong" })
            .SendAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
    }

    [Theory]
    [InlineData("to", "2")]
    [InlineData("text", "2")]
    [InlineData("from", "2")]
    public async Task Send_MissingField_IsStatus2(string missing, string status)
    {
        var fields = new Dictionary<string, string> { ["api_key"] = VonageSetup.ApiKey, ["api_secret"] = VonageSetup.ApiSecret, ["from"] = "Herald", ["to"] = "447700900123", ["text"] = "hi" };
        fields.Remove(missing);

        var body = await PostAsync(fields);

        body.Message["status"]!.GetValue<string>().ShouldBe(status);
        body.Message["error-text"]!.GetValue<string>().ShouldContain(missing);
    }

    [Fact]
    public async Task Send_Accepted_IsRecordedWithClientRefAsReference()
    {
        var d = VonageSetup.Delivery();
        await Adapter(Secret).SendAsync(d, CancellationToken.None);

        var recorded = Sandbox.State.Messages.Find("vonage", d.Id).ShouldHaveSingleItem();
        recorded.To.ShouldBe("447700900123");
        recorded.Fields["callback"]!.GetValue<string>().ShouldBe($"{_receiver.BaseUrl}/api/v1/webhooks/sms-vonage");
    }

    private Herald.Providers.Vonage.VonageAdapter Adapter(string secret) =>
        VonageSetup.Adapter(Sandbox.BaseUrl, publicBaseUrl: _receiver.BaseUrl, settings: new Dictionary<string, string?> { ["SignatureSecret"] = secret });

    private async Task<(int Status, JsonObject Message)> PostAsync(Dictionary<string, string> fields)
    {
        using var response = await _client.PostAsync($"{Sandbox.BaseUrl}/sms/json", new FormUrlEncodedContent(fields));
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((int)response.StatusCode, body["messages"]![0]!.AsObject());
    }
}
