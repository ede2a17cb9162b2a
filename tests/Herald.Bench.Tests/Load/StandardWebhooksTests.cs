using System.Security.Cryptography;
using System.Text;
using Herald.Bench.Load;

namespace Herald.Bench.Tests.Load;

/// <summary>
/// The receiver's signature check against the Standard Webhooks vectors in /work/shared/specs/standard-webhooks
/// (vectors.json: the upstream libraries' fixed sign() vector and vectors computed with openssl, cross-checked with the
/// standardwebhooks npm package), copied here so the tests do not depend on that folder.
/// </summary>
public sealed class StandardWebhooksTests
{
    private const string UpstreamSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string UpstreamId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long UpstreamTimestamp = 1614265330;
    private const string UpstreamPayload = "{\"test\": 2432232314}";

    public static TheoryData<string, string, string, long, string, string> Valid => new()
    {
        { "upstream-library-tests", UpstreamSecret, UpstreamId, UpstreamTimestamp, UpstreamPayload, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        {
            "spec-example-body-24-byte-key", "whsec_a2tra2tra2tra2tra2tra2tra2tra2tr", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231,
            "{\"type\":\"contact.created\",\"timestamp\":\"2022-11-03T20:26:10.344522Z\",\"data\":{\"id\":\"1f81eb52-5198-4599-803e-771906343485\"}}",
            "v1,hizkaPbTfJ7TUu1T+5yof3yaOdHAJlDxklAsFaNuWRs="
        },
        {
            "32-byte-key-unicode-payload", "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "msg_unicode_1", 1700000000,
            "{\"type\":\"notification.sent\",\"data\":{\"text\":\"héllo – 你好 👋\"}}", "v1,79hoCB09stlBolePvKSuwJ24wpWIpW1oNVyWrTgWBNA="
        },
        {
            "64-byte-key-multiline-payload", "whsec_WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWg==", "msg_multiline_1", 1700000001,
            "{\n  \"type\": \"notification.failed\",\n  \"data\": {\"reason\": \"invalid_token\"}\n}", "v1,7AGDJm75Rt0+u0u4ZDrek0xATIY1CqXNmXNs2nA+7tk="
        },
        { "empty-payload", "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "msg_empty_1", 1700000002, "", "v1,YePW934ghBcckTUEQcmwjWyV0DzVTYFYMaqiySFOSCk=" },
        {
            "multiple-signatures-space-delimited (key rotation)", UpstreamSecret, UpstreamId, UpstreamTimestamp, UpstreamPayload,
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        },
        { "secret-without-whsec-prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", UpstreamId, UpstreamTimestamp, UpstreamPayload, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
    };

    public static TheoryData<string, string, long, string, string> Invalid => new()
    {
        { "wrong-last-char", UpstreamId, UpstreamTimestamp, UpstreamPayload, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=" },
        { "unknown-version-prefix", UpstreamId, UpstreamTimestamp, UpstreamPayload, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        { "payload-reserialized", UpstreamId, UpstreamTimestamp, "{\"test\":2432232314}", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        { "msg-id-changed", "msg_p5jXN8AQM9LWM0D4loKWxJeK", UpstreamTimestamp, UpstreamPayload, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        { "timestamp-changed", UpstreamId, UpstreamTimestamp + 1, UpstreamPayload, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        { "not-base64", UpstreamId, UpstreamTimestamp, UpstreamPayload, "v1,not base64!" },
        { "no-signature", UpstreamId, UpstreamTimestamp, UpstreamPayload, "" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Verify_SpecVector_Accepts(string name, string secret, string id, long timestamp, string payload, string header)
    {
        var ok = StandardWebhooks.Verify(StandardWebhooks.Key(secret), id, timestamp.ToString(), Encoding.UTF8.GetBytes(payload), header, timestamp + 1);

        ok.ShouldBeTrue(name);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Verify_AlteredMessageOrSignature_Rejects(string name, string id, long timestamp, string payload, string header)
    {
        var ok = StandardWebhooks.Verify(StandardWebhooks.Key(UpstreamSecret), id, timestamp.ToString(), Encoding.UTF8.GetBytes(payload), header, UpstreamTimestamp + 1);

        ok.ShouldBeFalse(name);
    }

    [Theory]
    [InlineData(400, false)] // too old
    [InlineData(290, true)]
    [InlineData(-290, true)]
    [InlineData(-400, false)] // too new
    public void Verify_TimestampAwayFromNow_AcceptsWithinFiveMinutesOnly(long nowMinusTimestamp, bool accepted)
    {
        var ok = StandardWebhooks.Verify(StandardWebhooks.Key(UpstreamSecret), UpstreamId, UpstreamTimestamp.ToString(), Encoding.UTF8.GetBytes(UpstreamPayload),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", UpstreamTimestamp + nowMinusTimestamp);

        ok.ShouldBe(accepted);
    }

    [Theory]
    [InlineData(null, "1614265330")]
    [InlineData("", "1614265330")]
    [InlineData(UpstreamId, null)]
    [InlineData(UpstreamId, "16142653x0")]
    public void Verify_MissingOrMalformedHeader_Rejects(string? id, string? timestamp)
    {
        var ok = StandardWebhooks.Verify(StandardWebhooks.Key(UpstreamSecret), id, timestamp, Encoding.UTF8.GetBytes(UpstreamPayload),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", UpstreamTimestamp);

        ok.ShouldBeFalse();
    }

    [Fact]
    public async Task Receiver_SignedUnsignedAndRepeatedPosts_CountsBadSignaturesAndDuplicates()
    {
        await using var receiver = await WebhookReceiver.StartAsync(CancellationToken.None);
        receiver.Register("a", UpstreamSecret);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var good = await PostAsync(client, receiver.Address("a"), "msg_1", now, Sign(UpstreamSecret, "msg_1", now, UpstreamPayload));
        var repeat = await PostAsync(client, receiver.Address("a"), "msg_1", now, Sign(UpstreamSecret, "msg_1", now, UpstreamPayload));
        var otherSecret = await PostAsync(client, receiver.Address("a"), "msg_2", now, Sign("whsec_a2tra2tra2tra2tra2tra2tra2tra2tr", "msg_2", now, UpstreamPayload));
        var unknownEndpoint = await PostAsync(client, receiver.Address("b"), "msg_3", now, Sign(UpstreamSecret, "msg_3", now, UpstreamPayload));

        new[] { good, repeat, otherSecret, unknownEndpoint }.ShouldAllBe(status => status == 204);
        receiver.Counts.ShouldBe(new WebhookCounts(Received: 4, BadSignatures: 2, Duplicates: 1));
    }

    private static async Task<int> PostAsync(HttpClient client, Uri url, string id, long timestamp, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(UpstreamPayload, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        request.Headers.Add("webhook-signature", signature);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>Signs as the spec says, with the BCL alone (not the code under test).</summary>
    private static string Sign(string secret, string id, long timestamp, string payload) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{payload}")));
}
