using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Mailgun;
using Herald.Providers.Tests.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Mailgun;

public class MailgunContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "mailgun";

    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) => Adapter(baseUrl, timeout);

    protected override Delivery ValidDelivery() => EmailComposerTests.Email(Content());

    /// <summary>Mailgun takes any well-formed address and reports a bounce later, by webhook.</summary>
    protected override Delivery? InvalidTargetDelivery() => null;

    protected override Delivery? PermanentErrorDelivery() => EmailComposerTests.Email(Content(), target: "not-an-email");

    [Fact]
    public async Task SendAsync_Request_HasEveryFieldAndOurReference()
    {
        var d = ValidDelivery();

        var sent = (await Adapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var recorded = (await Sandbox.MessagesAsync(Vendor, d.Id)).ShouldHaveSingleItem()!;
        recorded["id"]!.GetValue<string>().ShouldBe(sent.ProviderMessageId);
        recorded["headers"]!["authorization"]!.GetValue<string>().ShouldBe("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("api:key-sandbox")));
        recorded["headers"]!["content-type"]!.GetValue<string>().ShouldStartWith("multipart/form-data");
        var fields = recorded["fields"]!.AsObject().ToDictionary(f => f.Key, f => f.Value!.GetValue<string>());
        fields.ShouldBe(new Dictionary<string, string>
        {
            ["from"] = "Herald <noreply@herald.test>",
            ["to"] = "alice@example.com",
            ["subject"] = "Your order shipped",
            ["h:Reply-To"] = "help@herald.test",
            ["text"] = "On its way",
            ["html"] = "<p>On its way</p><!--tracked-->",
            ["h:List-Unsubscribe"] = $"<https://h.test/u/{d.Id}>",
            ["h:List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
            ["h:X-Herald-Delivery-Id"] = d.Id,
            ["v:herald_delivery_id"] = d.Id,
        }, ignoreOrder: true);
    }

    [Theory]
    [InlineData(400, typeof(DeliveryOutcome.Rejected))]
    [InlineData(413, typeof(DeliveryOutcome.Rejected))]
    [InlineData(401, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(403, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(404, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(500, typeof(DeliveryOutcome.Retry))]
    [InlineData(503, typeof(DeliveryOutcome.Retry))]
    public async Task SendAsync_DocumentedStatus_MapsToOutcome(int status, Type expected)
    {
        await Sandbox.SetFaultsAsync(Vendor, new { error_rate = 1.0, error_status = status });

        var outcome = await Adapter().SendAsync(ValidDelivery(), CancellationToken.None);

        outcome.ShouldBeOfType(expected);
        outcome.ToString().ShouldContain($"injected error {status}");
    }

    [Fact]
    public async Task SendAsync_MalformedAddress_ReasonIsMailgunsMessage() =>
        (await Adapter().SendAsync(PermanentErrorDelivery()!, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Rejected>()
            .Reason.ShouldBe("400 'to' parameter is not a valid address. please check documentation");

    [Fact]
    public async Task SendAsync_UnknownDomain_IsMisconfigured() =>
        (await Adapter(overrides: new() { ["Domain"] = "other.test" }).SendAsync(ValidDelivery(), CancellationToken.None))
            .ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldContain("Domain not found");

    [Fact]
    public async Task SendAsync_WrongKey_IsMisconfigured() =>
        (await Adapter(overrides: new() { ["ApiKey"] = "key-wrong" }).SendAsync(ValidDelivery(), CancellationToken.None))
            .ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldBe("401 Forbidden");

    [Fact]
    public async Task Sandbox_MissingSubject_IsRefusedAsTheApiDoes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Sandbox.BaseUrl}/v3/sandbox.herald.test/messages")
        {
            Content = new FormUrlEncodedContent([new("from", "n@herald.test"), new("to", "a@example.com"), new("text", "x")]),
        };
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:key-sandbox")));

        using var response = await Sandbox.Admin.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["message"]!.GetValue<string>().ShouldBe("'subject' parameter is missing");
    }

    [Theory]
    [InlineData("ApiKey", null, "Herald:Providers:mg1:ApiKey")]
    [InlineData("Domain", null, "Herald:Providers:mg1:Domain")]
    [InlineData("From", null, "Herald:Providers:mg1:From")]
    [InlineData("BaseUrl", "not a url", "Herald:Providers:mg1:BaseUrl")]
    public void Constructor_BadSetting_NamesIt(string key, string? value, string expected)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => Adapter(overrides: new() { [key] = value }));
        ex.Message.ShouldContain(expected);
    }

    internal static JsonObject Content() => new() { ["subject"] = "Your order shipped", ["html"] = "<p>On its way</p>", ["text"] = "On its way" };

    private MailgunAdapter Adapter(string? baseUrl = null, TimeSpan? timeout = null, Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ApiKey"] = "key-sandbox",
            ["Domain"] = "sandbox.herald.test",
            ["From"] = "Herald <noreply@herald.test>",
            ["ReplyTo"] = "help@herald.test",
            ["BaseUrl"] = baseUrl ?? Sandbox.BaseUrl,
            ["Timeout"] = (timeout ?? TimeSpan.FromSeconds(5)).ToString(),
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return new MailgunAdapter(TestContexts.Create("mg1", "mailgun", Channel.Email, settings, tracking: new EmailComposerTests.MarkingTracking()));
    }
}
