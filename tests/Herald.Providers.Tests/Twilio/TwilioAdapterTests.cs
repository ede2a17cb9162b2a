using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Twilio;

/// <summary>The request Twilio gets and how each documented answer maps, against an in-memory Twilio.</summary>
public sealed class TwilioAdapterTests
{
    private const string Base = "https://api.twilio.test";

    private static readonly Lazy<JsonObject> Spec = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "specs", "twilio_api_v2010.json")))!.AsObject());

    private static JsonObject MessagesPath => Spec.Value["paths"]!["/2010-04-01/Accounts/{AccountSid}/Messages.json"]!.AsObject();

    [Fact]
    public async Task SendAsync_ValidDelivery_PostsCreateMessageAsTheSpecDefinesIt()
    {
        var stub = Created();
        var d = TwilioSetup.Delivery(body: "Ünïcode & spaces + plus");
        var outcome = await TwilioSetup.Adapter(Base, http: new HttpClient(stub), publicBaseUrl: "https://herald.example").SendAsync(d, CancellationToken.None);

        outcome.ShouldBe(new DeliveryOutcome.Sent("SM0123456789abcdef0123456789abcdef"));
        var (request, body) = stub.Requests.ShouldHaveSingleItem();
        var operation = MessagesPath["post"]!;
        request.Method.ShouldBe(HttpMethod.Post);
        var accountPattern = operation["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "AccountSid")!["schema"]!["pattern"]!.GetValue<string>();
        var path = Regex.Match(request.RequestUri!.AbsolutePath, "^/2010-04-01/Accounts/([^/]+)/Messages.json$");
        path.Success.ShouldBeTrue(request.RequestUri.AbsolutePath);
        Regex.IsMatch(path.Groups[1].Value, accountPattern).ShouldBeTrue();

        var schema = operation["requestBody"]!["content"]!["application/x-www-form-urlencoded"]!["schema"]!;
        request.Content!.Headers.ContentType!.MediaType.ShouldBe("application/x-www-form-urlencoded");
        var form = FormBody.Parse(Encoding.UTF8.GetBytes(body)).ToDictionary(p => p.Key, p => p.Value);
        var known = schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
        form.Keys.ShouldAllBe(k => known.Contains(k));
        schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldAllBe(r => form.ContainsKey(r));
        form["To"].ShouldBe(d.Target);
        form["From"].ShouldBe(TwilioSetup.From);
        form["Body"].ShouldBe("Ünïcode & spaces + plus");
        form["StatusCallback"].ShouldBe($"https://herald.example/api/v1/webhooks/sms-twilio?herald_delivery_id={d.Id}");

        // securitySchemes.accountSid_authToken is HTTP basic: AccountSid:AuthToken.
        Spec.Value["components"]!["securitySchemes"]!["accountSid_authToken"]!["scheme"]!.GetValue<string>().ShouldBe("basic");
        request.Headers.Authorization!.Scheme.ShouldBe("Basic");
        Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization.Parameter!)).ShouldBe($"{TwilioSetup.AccountSid}:{TwilioSetup.AuthToken}");
    }

    [Fact]
    public async Task SendAsync_ApiKeyAndMessagingService_AuthenticatesWithTheKeyAndSendsTheServiceSid()
    {
        var stub = Created();
        var adapter = TwilioSetup.Adapter(Base, http: new HttpClient(stub), settings: new Dictionary<string, string?>
        {
            ["From"] = null,
            ["MessagingServiceSid"] = "MG00000000000000000000000000000001",
            ["ApiKeySid"] = "SK00000000000000000000000000000001",
            ["ApiKeySecret"] = "key-secret",
        });

        await adapter.SendAsync(TwilioSetup.Delivery(), CancellationToken.None);

        var (request, body) = stub.Requests.ShouldHaveSingleItem();
        Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization!.Parameter!)).ShouldBe("SK00000000000000000000000000000001:key-secret");
        var form = FormBody.Parse(Encoding.UTF8.GetBytes(body)).ToDictionary(p => p.Key, p => p.Value);
        form["MessagingServiceSid"].ShouldBe("MG00000000000000000000000000000001");
        form.ShouldNotContainKey("From");
    }

    public static TheoryData<int, int, Type> DocumentedErrors => new()
    {
        { 400, 21211, typeof(DeliveryOutcome.Rejected) },
        { 400, 21408, typeof(DeliveryOutcome.Rejected) },
        { 400, 21612, typeof(DeliveryOutcome.Rejected) },
        { 400, 21617, typeof(DeliveryOutcome.Rejected) },
        { 400, 21610, typeof(DeliveryOutcome.InvalidTarget) },
        { 400, 21614, typeof(DeliveryOutcome.InvalidTarget) },
        { 401, 20003, typeof(DeliveryOutcome.Misconfigured) },
        { 401, 20005, typeof(DeliveryOutcome.Misconfigured) },
        { 400, 21606, typeof(DeliveryOutcome.Misconfigured) },
        { 404, 20404, typeof(DeliveryOutcome.Misconfigured) },
        { 500, 20500, typeof(DeliveryOutcome.Retry) },
        { 503, 20503, typeof(DeliveryOutcome.Retry) },
        { 400, 12345, typeof(DeliveryOutcome.Rejected) },
    };

    [Theory]
    [MemberData(nameof(DocumentedErrors))]
    public async Task SendAsync_DocumentedErrorCode_MapsToItsOutcome(int status, int code, Type expected)
    {
        var stub = new StubHandler((_, _) => StubHandler.Json((HttpStatusCode)status,
            $$"""{"code": {{code}}, "message": "m", "more_info": "https://www.twilio.com/docs/errors/{{code}}", "status": {{status}}}"""));

        var outcome = await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(TwilioSetup.Delivery(), CancellationToken.None);

        outcome.ShouldBeOfType(expected);
        outcome.ToString().ShouldContain(code.ToString());
    }

    [Theory]
    [InlineData(429, 20429)]
    [InlineData(400, 20429)]
    [InlineData(503, 20503)]
    public async Task SendAsync_TooManyRequestsOrUnavailable_RetriesNoSoonerThanRetryAfter(int status, int code)
    {
        var stub = new StubHandler((_, _) => StubHandler.Json((HttpStatusCode)status, $$"""{"code": {{code}}, "message": "Too Many Requests", "status": {{status}}}""", 12));

        var retry = (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(TwilioSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();

        retry.RetryAfter.ShouldBe(TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task SendAsync_ContentWithoutBody_IsRejectedWithoutCallingTwilio()
    {
        var stub = Created();
        var d = TestContexts.Delivery(Channel.Sms, "+15551234567", new JsonObject { ["title"] = "no body" });

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Rejected>();
        stub.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("AccountSid", null, "Herald:Providers:sms-twilio:AccountSid")]
    [InlineData("AccountSid", "not-a-sid", "Herald:Providers:sms-twilio:AccountSid")]
    [InlineData("AuthToken", null, "Herald:Providers:sms-twilio:AuthToken")]
    [InlineData("From", null, "Herald:Providers:sms-twilio:From")]
    [InlineData("ApiKeySid", "SK00000000000000000000000000000001", "Herald:Providers:sms-twilio:ApiKeySecret")]
    public void Constructor_MissingOrInvalidSetting_FailsNamingIt(string key, string? value, string named)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => TwilioSetup.Adapter(Base, settings: new Dictionary<string, string?> { [key] = value }));
        ex.Message.ShouldContain(named);
    }

    [Fact]
    public async Task LookUpAsync_MatchOnALaterPage_FollowsNextPageUriWithTheFilters()
    {
        var d = TwilioSetup.Delivery("+15557654321", "Your code is 1234");
        var stub = new StubHandler((request, _) => StubHandler.Json(HttpStatusCode.OK, request.RequestUri!.Query.Contains("Page=1")
            ? Page(null, Message(d.Target, d.Body(), d.CreatedAt.AddSeconds(2)))
            : Page("/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?To=%2B15557654321&PageSize=100&Page=1&PageToken=PA1",
                Message(d.Target, "another notification", d.CreatedAt.AddSeconds(1)))));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(d, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);

        stub.Requests.Count.ShouldBe(2);
        var first = stub.Requests[0].Request.RequestUri!;
        first.AbsolutePath.ShouldBe($"/2010-04-01/Accounts/{TwilioSetup.AccountSid}/Messages.json");
        first.Query.ShouldContain("To=%2B15557654321");
        first.Query.ShouldNotContain("DateSent", Case.Insensitive);
        stub.Requests.ShouldAllBe(r => r.Request.Method == HttpMethod.Get && r.Request.Headers.Authorization!.Scheme == "Basic");
    }

    [Fact]
    public async Task LookUpAsync_QueuedMessageWithoutDateSent_IsFound()
    {
        // Twilio sets date_sent only when a message leaves its queue; a DateSent filter would hide it and cause a resend.
        var d = TwilioSetup.Delivery("+15557654321", "Your code is 1234");
        var queued = Message(d.Target, d.Body(), d.CreatedAt.AddSeconds(1));
        queued["date_sent"] = null;
        queued["status"] = "queued";
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, Page(null, queued)));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(d, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
    }

    [Fact]
    public async Task LookUpAsync_StopsPagingOnceAPageReachesMessagesOlderThanTheDelivery()
    {
        var d = TwilioSetup.Delivery("+15557654321", "Your code is 1234");
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK,
            Page("/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?To=%2B15557654321&PageSize=100&Page=1&PageToken=PA1",
                Message(d.Target, "other", d.CreatedAt.AddMinutes(-5)))));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(d, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
        stub.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task LookUpAsync_SameTextCreatedWellBeforeTheDelivery_IsNotAMatch()
    {
        var d = TwilioSetup.Delivery("+15557654321", "Your order shipped");
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, Page(null, Message(d.Target, d.Body(), d.CreatedAt.AddMinutes(-10)))));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(d, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
    }

    [Fact]
    public async Task LookUpAsync_ListingFails_IsUnansweredSoItIsAskedAgain()
    {
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.ServiceUnavailable, """{"code": 20503, "message": "unavailable", "status": 503}"""));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(TwilioSetup.Delivery(), CancellationToken.None)).ShouldBe(LookUpAnswer.Unanswered);
    }

    [Fact]
    public async Task LookUpAsync_NextPageOnAnotherHost_IsNotFollowed()
    {
        var d = TwilioSetup.Delivery();
        var stub = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, Page("https://evil.example/steal", Message(d.Target, "other", d.CreatedAt))));

        (await TwilioSetup.Adapter(Base, http: new HttpClient(stub)).LookUpAsync(d, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
        stub.Requests.ShouldHaveSingleItem();
    }

    private static StubHandler Created() => new((_, _) => StubHandler.Json(HttpStatusCode.Created,
        """{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "account_sid": "AC00000000000000000000000000000000"}"""));

    private static string Page(string? next, params JsonObject[] messages) =>
        new JsonObject { ["messages"] = new JsonArray([.. messages]), ["next_page_uri"] = next, ["page"] = 0, ["page_size"] = 100 }.ToJsonString();

    private static JsonObject Message(string to, string body, DateTimeOffset created) => new()
    {
        ["sid"] = "SM" + Guid.NewGuid().ToString("N"),
        ["to"] = to,
        ["body"] = body,
        ["direction"] = "outbound-api",
        ["status"] = "sent",
        ["date_created"] = created.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", System.Globalization.CultureInfo.InvariantCulture),
    };
}

internal static class DeliveryBody
{
    public static string Body(this Delivery d) => JsonNode.Parse(d.Content)!["body"]!.GetValue<string>();
}
