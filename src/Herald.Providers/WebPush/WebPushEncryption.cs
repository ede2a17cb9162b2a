using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Herald.Providers.WebPush;

/// <summary>
/// RFC 8291 message encryption for Web Push in the RFC 8188 <c>aes128gcm</c> content coding: ECDH on P-256 between a fresh
/// sender key and the subscription's <c>p256dh</c> key, HKDF-SHA-256 keyed by the subscription's <c>auth</c> secret, one
/// AES-128-GCM record ending in the 0x02 delimiter, no padding. The body is salt(16) ‖ rs(4) ‖ idlen(1) ‖ sender key(65) ‖
/// record.
/// </summary>
internal static class WebPushEncryption
{
    /// <summary>The record size written in the header (RFC 8291 §4: push services must accept 4096-byte bodies).</summary>
    public const int RecordSize = 4096;

    /// <summary>The most plaintext one 4096-byte body holds (RFC 8291 §4): 4096 − 86 header − 16 tag − 1 delimiter.</summary>
    public const int MaxPlaintext = 3993;

    public const int KeyLength = 65;

    public const int AuthSecretLength = 16;

    private const int SaltLength = 16;
    private const int HeaderLength = SaltLength + 4 + 1 + KeyLength;
    private const int TagLength = 16;
    private const byte LastRecord = 0x02;

    /// <summary>Encrypts with a fresh sender key pair and a random salt (RFC 8291 §3.1).</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, byte[] uaPublic, byte[] authSecret)
    {
        using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Encrypt(plaintext, uaPublic, authSecret, sender, RandomNumberGenerator.GetBytes(SaltLength));
    }

    /// <summary>
    /// Encrypts with the given sender key pair and salt (test vectors only; never reuse either in production). A plaintext
    /// too large for a 4096-byte record still goes in one record (RFC 8291 §4 forbids more) with a larger record size; the
    /// push service then refuses the body with 413.
    /// </summary>
    /// <exception cref="CryptographicException"><paramref name="uaPublic"/> is not an uncompressed P-256 point.</exception>
    internal static byte[] Encrypt(ReadOnlySpan<byte> plaintext, byte[] uaPublic, byte[] authSecret, ECDiffieHellman sender, byte[] salt)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentOutOfRangeException.ThrowIfNotEqual(salt.Length, SaltLength);
        ArgumentOutOfRangeException.ThrowIfNotEqual(authSecret.Length, AuthSecretLength);
        var asPublic = PublicKey(sender);
        using var ua = ImportPublicKey(uaPublic);
        var (cek, nonce) = DeriveKeys(sender.DeriveRawSecretAgreement(ua.PublicKey), authSecret, uaPublic, asPublic, salt);

        var recordLength = plaintext.Length + 1;
        var body = new byte[HeaderLength + recordLength + TagLength];
        salt.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(SaltLength), (uint)Math.Max(RecordSize, recordLength + TagLength));
        body[SaltLength + 4] = KeyLength;
        asPublic.CopyTo(body, SaltLength + 5);

        var record = new byte[recordLength];
        plaintext.CopyTo(record);
        record[^1] = LastRecord;
        using var aes = new AesGcm(cek, TagLength);
        aes.Encrypt(nonce, record, body.AsSpan(HeaderLength, recordLength), body.AsSpan(HeaderLength + recordLength, TagLength));
        return body;
    }

    /// <summary>Decrypts a single-record body with the subscription's private key and auth secret.</summary>
    /// <exception cref="CryptographicException">The body is malformed or does not decrypt with these keys.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> body, ECDiffieHellman receiver, byte[] authSecret)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (body.Length < HeaderLength + TagLength + 1 || body[SaltLength + 4] != KeyLength)
        {
            throw new CryptographicException("not an aes128gcm body with a 65-byte key id");
        }

        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body[SaltLength..]);
        var sealedLength = body.Length - HeaderLength;
        if (sealedLength > recordSize)
        {
            throw new CryptographicException($"the body holds more than one {recordSize}-byte record");
        }

        var salt = body[..SaltLength].ToArray();
        var asPublic = body.Slice(SaltLength + 5, KeyLength).ToArray();
        using var sender = ImportPublicKey(asPublic);
        var uaPublic = PublicKey(receiver);
        var (cek, nonce) = DeriveKeys(receiver.DeriveRawSecretAgreement(sender.PublicKey), authSecret, uaPublic, asPublic, salt);

        var record = new byte[sealedLength - TagLength];
        using var aes = new AesGcm(cek, TagLength);
        aes.Decrypt(nonce, body.Slice(HeaderLength, record.Length), body[^TagLength..], record);
        var end = Array.FindLastIndex(record, b => b != 0);
        if (end < 0 || record[end] != LastRecord)
        {
            throw new CryptographicException("the record does not end with the last-record delimiter 0x02");
        }

        return record[..end];
    }

    /// <summary>The uncompressed point 0x04 ‖ X ‖ Y of a key pair.</summary>
    public static byte[] PublicKey(ECDiffieHellman key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    /// <exception cref="CryptographicException">Not a 65-byte uncompressed point on P-256.</exception>
    public static ECDiffieHellman ImportPublicKey(byte[] point)
    {
        if (point is not { Length: KeyLength } || point[0] != 0x04)
        {
            throw new CryptographicException("a P-256 public key is 65 bytes starting with 0x04");
        }

        return ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
    }

    private static (byte[] Cek, byte[] Nonce) DeriveKeys(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic, byte[] salt)
    {
        // RFC 8291 §3.3-3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32);
        // then RFC 8188 §2.2-2.3: PRK = HKDF-Extract(salt, IKM), CEK and NONCE expanded from it.
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. uaPublic, .. asPublic];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, authSecret, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());
        return (cek, nonce);
    }
}
