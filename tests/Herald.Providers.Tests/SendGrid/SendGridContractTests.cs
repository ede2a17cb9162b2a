using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.SendGrid;
using Herald.Providers.Tests.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.SendGrid;

public class SendGridContractTests(SandboxFixture sandbox) : ProviderContract(sandbox)
{
    protected override string Vendor => "sendgrid";

    protected override bool SupportsLookUp => false;

    protected override IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null) => Adapter(baseUrl, timeout);

    protected override Delivery ValidDelivery() => EmailComposerTests.Email(Content());

    /// <summary>SendGrid takes any well-formed address and reports a bounce later, by event.</summary>
    protected override Delivery? InvalidTargetDelivery() => null;

    protected override Delivery? PermanentErrorDelivery() => EmailComposerTests.Email(Content(), target: "not-an-email");

    [Fact]
    public async Task SendAsync_Request_ConformsToTheSpecAndCarriesOurReference()
    {
        var d = ValidDelivery();

        (await Adapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var recorded = (await Sandbox.MessagesAsync(Vendor, d.Id)).ShouldHaveSingleItem()!;
        var body = recorded["fields"]!;
        MailSendSpec.Violations(body).ShouldBeEmpty();
        recorded["headers"]!["authorization"]!.GetValue<string>().ShouldBe("Bearer SG.sandbox-key");
        body["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>().ShouldBe("alice@example.com");
        body["from"]!.ToJsonString().ShouldBe("""{"email":"noreply@herald.test","name":"Herald"}""");
        body["reply_to"]!["email"]!.GetValue<string>().ShouldBe("help@herald.test");
        body["subject"]!.GetValue<string>().ShouldBe("Your order shipped");
        body["content"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()).ShouldBe(["text/plain", "text/html"]);
        body["content"]![1]!["value"]!.GetValue<string>().ShouldBe("<p>On its way</p><!--tracked-->");
        body["headers"]!["List-Unsubscribe"]!.GetValue<string>().ShouldBe($"<https://h.test/u/{d.Id}>");
        body["headers"]!["List-Unsubscribe-Post"]!.GetValue<string>().ShouldBe("List-Unsubscribe=One-Click");
        body["headers"]!["X-Herald-Delivery-Id"]!.GetValue<string>().ShouldBe(d.Id);
        body["personalizations"]![0]!["custom_args"]!.ToJsonString().ShouldBe($$"""{"herald_delivery_id":"{{d.Id}}"}""");
        body["custom_args"].ShouldBeNull();
    }

    [Fact]
    public void MailSendSpec_TopLevelCustomArgsObject_IsCaught() =>
        MailSendSpec.Violations(JsonNode.Parse("""
            {"personalizations":[{"to":[{"email":"a@example.com"}],"custom_args":{"k":"v"}}],"from":{"email":"n@example.com"},"custom_args":{"k":"v"}}
            """)!).ShouldBe(["custom_args: expected string, got Object"]);

    [Fact]
    public void MailSendSpec_BodyMissingRequiredFields_IsCaught() =>
        MailSendSpec.Violations(JsonNode.Parse("""{"personalizations":[{}],"content":[{"type":"text/plain","value":""}]}""")!)
            .ShouldBe(["from: required", "personalizations[0].to: required", "content[0].value: shorter than 1"], ignoreOrder: true);

    [Theory]
    [InlineData(400, typeof(DeliveryOutcome.Rejected))]
    [InlineData(413, typeof(DeliveryOutcome.Rejected))]
    [InlineData(401, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(403, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(404, typeof(DeliveryOutcome.Misconfigured))]
    [InlineData(500, typeof(DeliveryOutcome.Retry))]
    [InlineData(502, typeof(DeliveryOutcome.Retry))]
    public async Task SendAsync_DocumentedStatus_MapsToOutcome(int status, Type expected)
    {
        await Sandbox.SetFaultsAsync(Vendor, new { error_rate = 1.0, error_status = status });

        var outcome = await Adapter().SendAsync(ValidDelivery(), CancellationToken.None);

        outcome.ShouldBeOfType(expected);
        outcome.ToString().ShouldContain($"injected error {status}");
    }

    [Fact]
    public async Task SendAsync_MalformedAddress_ReasonNamesTheField()
    {
        var outcome = await Adapter().SendAsync(PermanentErrorDelivery()!, CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Rejected>().Reason.ShouldBe("400 personalizations.0.to.0.email: Does not contain a valid address.");
    }

    [Fact]
    public async Task Sandbox_HtmlBeforeText_IsRefusedAsTheApiDoes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Sandbox.BaseUrl}/v3/mail/send")
        {
            Content = new StringContent("""
                {"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"n@herald.test"},"subject":"s",
                 "content":[{"type":"text/html","value":"<p>x</p>"},{"type":"text/plain","value":"x"}]}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "SG.sandbox-key");

        using var response = await Sandbox.Admin.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!;
        error["field"]!.GetValue<string>().ShouldBe("content");
    }

    [Fact]
    public async Task Sandbox_TopLevelCustomArgsString_ReferenceRecordedFromIt()
    {
        var reference = "dlv_" + Guid.NewGuid().ToString("N");
        var body = new JsonObject
        {
            ["personalizations"] = new JsonArray(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["email"] = "a@example.com" }) }),
            ["from"] = new JsonObject { ["email"] = "n@herald.test" },
            ["subject"] = "s",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text/plain", ["value"] = "x" }),
            ["custom_args"] = new JsonObject { ["herald_delivery_id"] = reference }.ToJsonString(),
        };
        MailSendSpec.Violations(body).ShouldBeEmpty();

        using var response = await PostMailAsync(body);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await Sandbox.MessagesAsync(Vendor, reference)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Sandbox_PersonalizationCustomArgsNotAnObject_IsRefusedAsTheApiDoes()
    {
        using var response = await PostMailAsync(JsonNode.Parse("""
            {"personalizations":[{"to":[{"email":"a@example.com"}],"custom_args":"x"}],"from":{"email":"n@herald.test"},"subject":"s",
             "content":[{"type":"text/plain","value":"x"}]}
            """)!);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!;
        error["field"]!.GetValue<string>().ShouldBe("personalizations.0.custom_args");
    }

    private async Task<HttpResponseMessage> PostMailAsync(JsonNode body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Sandbox.BaseUrl}/v3/mail/send")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "SG.sandbox-key");
        return await Sandbox.Admin.SendAsync(request);
    }

    [Theory]
    [InlineData("ApiKey", null, "Herald:Providers:sg1:ApiKey")]
    [InlineData("From", "nope", "Herald:Providers:sg1:From")]
    [InlineData("WebhookPublicKey", "bm90IGEga2V5", "Herald:Providers:sg1:WebhookPublicKey")]
    [InlineData("BaseUrl", "ftp://x", "Herald:Providers:sg1:BaseUrl")]
    public void Constructor_BadSetting_NamesIt(string key, string? value, string expected)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => Adapter(overrides: new() { [key] = value }));
        ex.Message.ShouldContain(expected);
    }

    internal static JsonObject Content() => new() { ["subject"] = "Your order shipped", ["html"] = "<p>On its way</p>", ["text"] = "On its way" };

    internal SendGridAdapter Adapter(string? baseUrl = null, TimeSpan? timeout = null, Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ApiKey"] = "SG.sandbox-key",
            ["From"] = "Herald <noreply@herald.test>",
            ["ReplyTo"] = "help@herald.test",
            ["BaseUrl"] = baseUrl ?? Sandbox.BaseUrl,
            ["Timeout"] = (timeout ?? TimeSpan.FromSeconds(5)).ToString(),
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return new SendGridAdapter(TestContexts.Create("sg1", "sendgrid", Channel.Email, settings, tracking: new EmailComposerTests.MarkingTracking()));
    }
}
