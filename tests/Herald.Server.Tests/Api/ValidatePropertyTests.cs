using System.Text;
using CsCheck;
using Herald.Server.Api;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The edge's one text check against an independent oracle, over random strings: a fault exactly when the string is not
/// valid Unicode (strict UTF-8 cannot encode it) or holds a NUL, and for ids also any control character.
/// </summary>
public sealed class ValidatePropertyTests
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Mostly the characters that matter (NUL, both surrogate halves, controls, an emoji's pair), and any char.</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["\0\ud800\udc00\udbff\udfff\u0001\u001f\u007f\u0085\t\r\nab😀é"], 0, 12]);

    [Fact]
    public void TextFault_RandomStrings_FaultExactlyWhenNotStorableText() =>
        Text.Sample(s =>
        {
            var storable = Encodable(s) && !s.Contains('\0', StringComparison.Ordinal);
            (Validate.TextFault(s, ids: false) is null).ShouldBe(storable, Escape(s));
            (Validate.TextFault(s, ids: true) is null).ShouldBe(storable && !s.Any(char.IsControl), Escape(s));
        }, iter: 5_000);

    [Fact]
    public void Id_RandomStrings_RefusedWhenBlankFaultyOrTooLong() =>
        Gen.OneOf(Text, Gen.String[Gen.Char['a', 'z'], 250, 260]).Sample(s =>
        {
            var ok = !string.IsNullOrWhiteSpace(s) && Validate.TextFault(s, ids: true) is null && s.Length <= Validate.MaxIdLength;
            (Validate.Id("recipient_id", s) is null).ShouldBe(ok, Escape(s));
        }, iter: 5_000);

    private static bool Encodable(string s)
    {
        try
        {
            Strict.GetByteCount(s);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c < 0x20 || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
