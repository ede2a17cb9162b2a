using System.Net;
using System.Text;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Twilio;

namespace Herald.Providers.Tests.Vonage;

/// <summary>The request Vonage gets and how each documented status maps, against an in-memory Vonage.</summary>
public sealed class VonageAdapterTests
{
    private const string Base = "https://rest.vonage.test";

    [Fact]
    public async Task SendAsync_ValidDelivery_PostsTheSmsApiFormWithOurReference()
    {
        var stub = Answer("""{"to": "447700900123", "message-id": "0A0000000123ABCD1", "status": "0"}""");
        var d = VonageSetup.Delivery(body: "Order #12 shipped & on its way");

        var outcome = await VonageSetup.Adapter(Base, http: new HttpClient(stub), publicBaseUrl: "https://herald.example").SendAsync(d, CancellationToken.None);

        outcome.ShouldBe(new DeliveryOutcome.Sent("0A0000000123ABCD1"));
        var (request, body) = stub.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe(HttpMethod.Post);
        request.RequestUri!.ToString().ShouldBe("https://rest.vonage.test/sms/json");
        request.Content!.Headers.ContentType!.MediaType.ShouldBe("application/x-www-form-urlencoded");
        FormBody.Parse(Encoding.UTF8.GetBytes(body)).ToDictionary(p => p.Key, p => p.Value).ShouldBe(new Dictionary<string, string>
        {
            ["api_key"] = VonageSetup.ApiKey,
            ["api_secret"] = VonageSetup.ApiSecret,
            ["from"] = VonageSetup.From,
            ["to"] = "447700900123",
            ["text"] = "Order #12 shipped & on its way",
            ["client-ref"] = d.Id,
            ["callback"] = "https://herald.example/api/v1/webhooks/sms-vonage",
        }, ignoreOrder: true);
    }

    [Theory]
    [InlineData("Grüße aus Köln", false)]
    [InlineData("Price: 5€ {promo}", false)]
    [InlineData("Ваш заказ отправлен", true)]
    [InlineData("Shipped 📦", true)]
    public async Task SendAsync_TextOutsideGsm7_IsSentAsUnicode(string text, bool unicode)
    {
        var stub = Answer("""{"message-id": "0A0000000123ABCD1", "status": "0"}""");

        await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(body: text), CancellationToken.None);

        var form = FormBody.Parse(Encoding.UTF8.GetBytes(stub.Requests.ShouldHaveSingleItem().Body)).ToDictionary(p => p.Key, p => p.Value);
        form.GetValueOrDefault("type").ShouldBe(unicode ? "unicode" : null);
        form["text"].ShouldBe(text);
    }

    public static TheoryData<string, Type> DocumentedStatuses => new()
    {
        { "1", typeof(DeliveryOutcome.Retry) },
        { "2", typeof(DeliveryOutcome.Rejected) },
        { "3", typeof(DeliveryOutcome.Rejected) },
        { "4", typeof(DeliveryOutcome.Misconfigured) },
        { "5", typeof(DeliveryOutcome.Retry) },
        { "6", typeof(DeliveryOutcome.Rejected) },
        { "7", typeof(DeliveryOutcome.InvalidTarget) },
        { "8", typeof(DeliveryOutcome.Misconfigured) },
        { "9", typeof(DeliveryOutcome.Misconfigured) },
        { "10", typeof(DeliveryOutcome.Retry) },
        { "11", typeof(DeliveryOutcome.Misconfigured) },
        { "12", typeof(DeliveryOutcome.Rejected) },
        { "14", typeof(DeliveryOutcome.Misconfigured) },
        { "15", typeof(DeliveryOutcome.Rejected) },
        { "22", typeof(DeliveryOutcome.Rejected) },
        { "23", typeof(DeliveryOutcome.Misconfigured) },
        { "29", typeof(DeliveryOutcome.Rejected) },
        { "32", typeof(DeliveryOutcome.Misconfigured) },
        { "33", typeof(DeliveryOutcome.InvalidTarget) },
    };

    [Theory]
    [MemberData(nameof(DocumentedStatuses))]
    public async Task SendAsync_DocumentedStatus_MapsToItsOutcome(string status, Type expected)
    {
        var stub = Answer($$"""{"status": "{{status}}", "error-text": "documented error"}""");

        var outcome = await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(), CancellationToken.None);

        outcome.ShouldBeOfType(expected);
        outcome.ToString().ShouldContain($"status {status}");
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    public async Task SendAsync_Http429Or5xx_RetriesNoSoonerThanRetryAfter(HttpStatusCode status)
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(status, """{"message-count": "1", "messages": [{"status": "1"}]}""", 9));

        var retry = (await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();

        retry.RetryAfter.ShouldBe(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task SendAsync_Http401_IsMisconfigured()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Unauthorized, """{"type": "https://developer.vonage.com/api-errors#unauthorized"}"""));

        (await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
    }

    [Fact]
    public async Task SendAsync_MultipartWithOneAcceptedPart_IsSentBecauseARetryWouldRepeatIt()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK,
            """{"message-count": "2", "messages": [{"status": "0", "message-id": "PART1"}, {"status": "5", "error-text": "Internal Error"}]}"""));

        (await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBe(new DeliveryOutcome.Sent("PART1"));
    }

    [Fact]
    public async Task SendAsync_UnreadableSuccess_IsUnknown()
    {
        var stub = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>proxy</html>") });

        (await VonageSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Unknown>();
    }

    [Fact]
    public async Task LookUpAsync_Always_CannotAskWithoutCallingVonage()
    {
        var stub = Answer("""{"status": "0"}""");

        (await VonageSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(VonageSetup.Delivery(), CancellationToken.None)).ShouldBe(LookUpAnswer.CannotAsk);
        stub.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("ApiKey", null, "Herald:Providers:sms-vonage:ApiKey")]
    [InlineData("ApiSecret", "", "Herald:Providers:sms-vonage:ApiSecret")]
    [InlineData("From", null, "Herald:Providers:sms-vonage:From")]
    [InlineData("SignatureMethod", "md5hash", "Herald:Providers:sms-vonage:SignatureMethod")]
    [InlineData("BaseUrl", "ftp://nope", "Herald:Providers:sms-vonage:BaseUrl")]
    public void Constructor_MissingOrInvalidSetting_FailsNamingIt(string key, string? value, string named)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => VonageSetup.Adapter(Base, settings: new Dictionary<string, string?> { [key] = value }));
        ex.Message.ShouldContain(named);
    }

    private static StubHandler Answer(string message) =>
        new((_, _) => StubHandler.Json(HttpStatusCode.OK, $$"""{"message-count": "1", "messages": [{{message}}]}"""));
}
