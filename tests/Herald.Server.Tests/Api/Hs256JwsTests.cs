using System.Buffers.Text;
using System.Text;
using Herald.Server.Api;

namespace Herald.Server.Tests.Api;

/// <summary>The compact JWS codec against the specification's own example and against an independent implementation.</summary>
public sealed class Hs256JwsTests
{
    // RFC 7515 Appendix A.1 (the same token is RFC 7519 §3.1's example): header {"typ":"JWT",\r\n "alg":"HS256"}.
    private const string Rfc7515Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
        ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    private const string Rfc7515Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

    private static readonly byte[] HeraldKey = Encoding.UTF8.GetBytes("hts_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    [Fact]
    public void Parse_Rfc7515AppendixA1_VerifiesWithTheExampleKey()
    {
        var parts = Hs256Jws.Parse(Rfc7515Token);

        parts.ShouldNotBeNull();
        Hs256Jws.Verify(parts, Base64Url.DecodeFromChars(Rfc7515Key)).ShouldBeTrue();
        Encoding.UTF8.GetString(parts.Payload).ShouldBe("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
    }

    [Fact]
    public void Verify_Rfc7515TokenWithAnotherKeyOrAChangedPayload_False()
    {
        var key = Base64Url.DecodeFromChars(Rfc7515Key);
        var changed = Rfc7515Token.Replace(".eyJpc3MiOiJqb2Ui", ".eyJpc3MiOiJqb2Yi", StringComparison.Ordinal);

        Hs256Jws.Verify(Hs256Jws.Parse(Rfc7515Token)!, HeraldKey).ShouldBeFalse();
        Hs256Jws.Verify(Hs256Jws.Parse(changed)!, key).ShouldBeFalse();
    }

    [Fact]
    public void Sign_KnownPayload_SameTokenAsPythonsHmacAndBase64()
    {
        // Made with Python's standard library (hmac, hashlib, base64), as the docs show a backend doing it.
        const string Expected = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTMwMDgxOTM4MH0.Uva1hNNGONJLJidPrhM6mEPOJIYiMl4TtcRkTVrE1cU";

        var token = Hs256Jws.Sign("{\"sub\":\"u1\",\"exp\":1300819380}"u8, HeraldKey);

        token.ShouldBe(Expected);
        Hs256Jws.Verify(Hs256Jws.Parse(token)!, HeraldKey).ShouldBeTrue();
    }

    [Theory]
    [InlineData("{\"alg\":\"none\"}")]
    [InlineData("{\"alg\":\"HS512\",\"typ\":\"JWT\"}")]
    [InlineData("{\"alg\":\"RS256\"}")]
    [InlineData("{\"alg\":\"hs256\"}")]
    [InlineData("{\"typ\":\"JWT\"}")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}")]
    [InlineData("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}")]
    [InlineData("[\"alg\",\"HS256\"]")]
    [InlineData("not json")]
    public void Parse_HeaderOtherThanHs256_Null(string header)
    {
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString("{\"sub\":\"u1\",\"exp\":1}"u8) + "." +
            Base64Url.EncodeToString(new byte[32]);

        Hs256Jws.Parse(token).ShouldBeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.###.$$$")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0=.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIi+iJ1In0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0\0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9 .eyJzdWIiOiJ1In0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.")]
    public void Parse_NotACompactHs256Jws_Null(string token) => Hs256Jws.Parse(token).ShouldBeNull();

    [Fact]
    public void Parse_LongerThanTheLimit_Null()
    {
        var padded = Hs256Jws.Sign(Encoding.UTF8.GetBytes("{\"sub\":\"" + new string('u', Hs256Jws.MaxLength) + "\",\"exp\":1}"), HeraldKey);

        padded.Length.ShouldBeGreaterThan(Hs256Jws.MaxLength);
        Hs256Jws.Parse(padded).ShouldBeNull();
    }
}
