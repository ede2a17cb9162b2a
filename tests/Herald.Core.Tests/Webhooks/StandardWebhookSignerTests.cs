using System.Text.Json;
using Herald.Core.Webhooks;

namespace Herald.Core.Tests.Webhooks;

public sealed class StandardWebhookSignerTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Payload = "{\"test\": 2432232314}";

    public static TheoryData<string> ValidVectors => SignatureVectors.Names("valid");

    public static TheoryData<string> InvalidVectors => SignatureVectors.Names("invalid");

    public static TheoryData<string> HeaderVariants => SignatureVectors.Names("valid_header_variants");

    public static TheoryData<int> ToleranceCases =>
        new(SignatureVectors.Section("timestamp_tolerance_cases").Select(c => c.GetProperty("now_minus_timestamp_seconds").GetInt32()));

    [Theory]
    [MemberData(nameof(ValidVectors))]
    public void Sign_ValidVector_ReturnsExpectedSignature(string name)
    {
        JsonElement v = SignatureVectors.Find("valid", name);

        string signature = StandardWebhookSigner.Sign(Str(v, "secret"), Str(v, "msg_id"), v.GetProperty("timestamp").GetInt64(), Str(v, "payload"));

        signature.ShouldBe(Str(v, "expected_signature"));
    }

    [Theory]
    [MemberData(nameof(ValidVectors))]
    public void Verify_ValidVector_ReturnsTrue(string name)
    {
        JsonElement v = SignatureVectors.Find("valid", name);
        long timestamp = v.GetProperty("timestamp").GetInt64();

        StandardWebhookSigner.Verify(Str(v, "secret"), Str(v, "msg_id"), timestamp, Str(v, "payload"), Str(v, "expected_signature"), timestamp + 1)
            .ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(InvalidVectors))]
    public void Verify_InvalidVector_ReturnsFalse(string name)
    {
        JsonElement v = SignatureVectors.Find("invalid", name);
        long timestamp = v.GetProperty("timestamp").GetInt64();

        StandardWebhookSigner.Verify(Str(v, "secret"), Str(v, "msg_id"), timestamp, Str(v, "payload"), Str(v, "signature_header"), timestamp + 1)
            .ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(HeaderVariants))]
    public void Verify_ValidHeaderVariant_ReturnsTrue(string name)
    {
        JsonElement v = SignatureVectors.Find("valid_header_variants", name);
        long timestamp = v.GetProperty("timestamp").GetInt64();

        StandardWebhookSigner.Verify(Str(v, "secret"), Str(v, "msg_id"), timestamp, Str(v, "payload"), Str(v, "signature_header"), timestamp + 1)
            .ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(ToleranceCases))]
    public void Verify_ToleranceCase_MatchesVectorExpectation(int nowMinusTimestamp)
    {
        JsonElement testCase = SignatureVectors.Section("timestamp_tolerance_cases")
            .Single(c => c.GetProperty("now_minus_timestamp_seconds").GetInt32() == nowMinusTimestamp);
        bool expected = Str(testCase, "expect").StartsWith("accept", StringComparison.Ordinal);
        string header = StandardWebhookSigner.Sign(Secret, MessageId, Timestamp, Payload);

        bool verified = StandardWebhookSigner.Verify(
            Secret, MessageId, Timestamp, Payload, header, Timestamp + nowMinusTimestamp, SignatureVectors.Tolerance.GetInt32());

        verified.ShouldBe(expected);
    }

    [Fact]
    public void Verify_TamperedPayload_ReturnsFalse()
    {
        string header = StandardWebhookSigner.Sign(Secret, MessageId, Timestamp, Payload);

        StandardWebhookSigner.Verify(Secret, MessageId, Timestamp, "{\"test\": 2432232315}", header, Timestamp).ShouldBeFalse();
    }

    [Fact]
    public void Verify_TimestampOneSecondPastTolerance_ReturnsFalse()
    {
        string header = StandardWebhookSigner.Sign(Secret, MessageId, Timestamp, Payload);

        StandardWebhookSigner.Verify(Secret, MessageId, Timestamp, Payload, header, Timestamp + 300).ShouldBeTrue();
        StandardWebhookSigner.Verify(Secret, MessageId, Timestamp, Payload, header, Timestamp + 301).ShouldBeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1")]
    [InlineData("v1,")]
    [InlineData("v1,not-base64!")]
    [InlineData("v1,AAAA")]
    public void Verify_MalformedHeader_ReturnsFalse(string header)
    {
        StandardWebhookSigner.Verify(Secret, MessageId, Timestamp, Payload, header, Timestamp).ShouldBeFalse();
    }

    [Fact]
    public void GenerateSecret_Called_ReturnsPrefixedDistinct24ByteKeysThatSign()
    {
        string first = StandardWebhookSigner.GenerateSecret();
        string second = StandardWebhookSigner.GenerateSecret();

        first.ShouldStartWith("whsec_");
        Convert.FromBase64String(first["whsec_".Length..]).Length.ShouldBe(24);
        first.ShouldNotBe(second);
        string header = StandardWebhookSigner.Sign(first, MessageId, Timestamp, Payload);
        StandardWebhookSigner.Verify(first, MessageId, Timestamp, Payload, header, Timestamp).ShouldBeTrue();
        StandardWebhookSigner.Verify(second, MessageId, Timestamp, Payload, header, Timestamp).ShouldBeFalse();
    }

    private static string Str(JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
