namespace Herald.Providers.Vonage;

/// <summary>
/// The GSM 03.38 default alphabet and its extension table. Vonage sends <c>type=text</c> in GSM-7; any other character
/// needs <c>type=unicode</c> or it arrives garbled.
/// </summary>
internal static class Gsm7
{
    private const string Alphabet =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
        + "\f^{}\\[~]|€";

    private static readonly HashSet<char> Characters = [.. Alphabet];

    public static bool Covers(string text) => text.All(Characters.Contains);
}
