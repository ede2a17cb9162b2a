using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Providers.WebPush;

namespace Herald.Providers.Tests.WebPush;

public sealed class WebPushEncryptionTests
{
    private static readonly JsonObject Vector = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "specs", "webpush", "rfc8291-appendix-a.json")))!;

    private static byte[] V(string name) => Base64Url.DecodeFromChars(Vector[name]!.GetValue<string>());

    private static ECDiffieHellman KeyPair(string privateName, string publicName)
    {
        var q = V(publicName);
        return ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = V(privateName), Q = new ECPoint { X = q[1..33], Y = q[33..] } });
    }

    [Fact]
    public void Encrypt_WithTheRfc8291AppendixAKeysAndSalt_ReproducesTheBodyByteForByte()
    {
        using var sender = KeyPair("as_private", "as_public");
        var body = WebPushEncryption.Encrypt(Encoding.UTF8.GetBytes(Vector["plaintext"]!.GetValue<string>()), V("ua_public"), V("auth_secret"), sender, V("salt"));
        body.Length.ShouldBe(Vector["body_length_bytes"]!.GetValue<int>());
        Base64Url.EncodeToString(body.AsSpan(0, 86)).ShouldBe(Vector["body_header_86_bytes"]!.GetValue<string>());
        Base64Url.EncodeToString(body.AsSpan(86)).ShouldBe(Vector["body_ciphertext_58_bytes"]!.GetValue<string>());
        body.ShouldBe(V("body"));
    }

    [Fact]
    public void Decrypt_OfTheRfc8291AppendixABody_YieldsThePlaintext()
    {
        using var receiver = KeyPair("ua_private", "ua_public");
        Encoding.UTF8.GetString(WebPushEncryption.Decrypt(V("body"), receiver, V("auth_secret"))).ShouldBe(Vector["plaintext"]!.GetValue<string>());
    }

    [Fact]
    public void Encrypt_WithAFreshKeyAndSalt_WritesTheAes128gcmHeaderAndRoundTrips()
    {
        using var receiver = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var auth = RandomNumberGenerator.GetBytes(16);
        var plaintext = Encoding.UTF8.GetBytes("""{"title":"hi"}""");
        var first = WebPushEncryption.Encrypt(plaintext, WebPushEncryption.PublicKey(receiver), auth);
        var second = WebPushEncryption.Encrypt(plaintext, WebPushEncryption.PublicKey(receiver), auth);

        BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(16)).ShouldBe(4096u);
        first[20].ShouldBe((byte)65);
        first[21].ShouldBe((byte)0x04);
        first.Length.ShouldBe(86 + plaintext.Length + 1 + 16);
        first[..16].ShouldNotBe(second[..16]); // a new salt per message
        first[21..86].ShouldNotBe(second[21..86]); // and a new sender key
        WebPushEncryption.Decrypt(first, receiver, auth).ShouldBe(plaintext);
    }

    [Fact]
    public void Decrypt_OfATamperedBodyOrWithTheWrongSecret_Fails()
    {
        using var receiver = KeyPair("ua_private", "ua_public");
        var tampered = V("body");
        tampered[^20] ^= 1;
        Should.Throw<CryptographicException>(() => WebPushEncryption.Decrypt(tampered, receiver, V("auth_secret")));
        Should.Throw<CryptographicException>(() => WebPushEncryption.Decrypt(V("body"), receiver, new byte[16]));
        Should.Throw<CryptographicException>(() => WebPushEncryption.Decrypt(V("body").AsSpan(0, 90), receiver, V("auth_secret")));
    }

    [Fact]
    public void Encrypt_ToAKeyThatIsNotOnTheCurve_Throws()
    {
        var notAPoint = V("ua_public");
        notAPoint[40] ^= 0xFF;
        Should.Throw<CryptographicException>(() => WebPushEncryption.Encrypt("x"u8, notAPoint, new byte[16]));
    }

    [Fact]
    public void Encrypt_OfMoreThanFitsIn4096Bytes_StaysOneRecordWithALargerRecordSize()
    {
        using var receiver = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var auth = RandomNumberGenerator.GetBytes(16);
        var fits = WebPushEncryption.Encrypt(new byte[WebPushEncryption.MaxPlaintext], WebPushEncryption.PublicKey(receiver), auth);
        fits.Length.ShouldBe(4096);
        var plaintext = RandomNumberGenerator.GetBytes(5000);
        var body = WebPushEncryption.Encrypt(plaintext, WebPushEncryption.PublicKey(receiver), auth);
        BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16)).ShouldBe((uint)(5000 + 17));
        WebPushEncryption.Decrypt(body, receiver, auth).ShouldBe(plaintext);
    }
}
