using System.Text;
using Herald.Providers.Email;

namespace Herald.Providers.Tests.Email;

public class MimeWriterTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 3, 9, 4, 5, TimeSpan.FromHours(2));

    [Theory]
    [InlineData("plain ascii line")]
    [InlineData("Grüße aus Köln — 日本語のテキスト 🎉")]
    [InlineData("trailing space \nand tab\t\nequals = sign\n.leading dot")]
    [InlineData("a very long line without any breaks that goes on and on past the seventy-six character limit of quoted-printable ééééééééééééé")]
    public void QuotedPrintable_RoundTripsAndKeepsLinesShort(string text)
    {
        var encoded = MimeWriter.QuotedPrintable(text);

        Encoding.UTF8.GetString(MimeReader.DecodeQuotedPrintable(encoded)).ShouldBe(text.ReplaceLineEndings("\r\n"));
        encoded.Split("\r\n").ShouldAllBe(l => l.Length <= 76 && !l.EndsWith(' ') && !l.EndsWith('\t'));
        encoded.ShouldAllBe(c => c < 128);
    }

    [Fact]
    public void EncodeText_NonAscii_UsesShortEncodedWordsThatDecodeBack()
    {
        var subject = "Ihre Bestellung über 100 € ist unterwegs — 日本語の件名がここに入ります 🎉🎉";
        var encoded = MimeWriter.EncodeText(subject);

        encoded.Split("\r\n ").ShouldAllBe(w => w.StartsWith("=?UTF-8?B?") && w.Length <= 75);
        MimeReader.DecodeWords(encoded.Replace("\r\n", "")).ShouldBe(subject);
    }

    [Fact]
    public void EncodeText_Ascii_IsLeftAlone() => MimeWriter.EncodeText("Order shipped").ShouldBe("Order shipped");

    [Theory]
    [InlineData("Herald Notifications", "Herald Notifications <a@b.test>")]
    [InlineData("Herald, Inc.", "\"Herald, Inc.\" <a@b.test>")]
    [InlineData("Smith, \"Jo\"", "\"Smith, \\\"Jo\\\"\" <a@b.test>")]
    public void Mailbox_QuotesDisplayNames(string name, string expected) =>
        MimeWriter.Mailbox(new EmailAddress("a@b.test", name)).ShouldBe(expected);

    [Fact]
    public void Write_BothParts_IsMultipartAlternativeWithHeaders()
    {
        var message = new EmailMessage("dlv_1", new EmailAddress("n@h.test", "Hérald"), new EmailAddress("r@h.test", null), "alice@example.com", "Grüße",
            "text body", "<p>html body</p>", [new("X-Herald-Delivery-Id", "dlv_1")]);

        var mime = MimeReader.Parse(MimeWriter.Write(message, At, "<dlv_1@h.test>"));

        mime.Header("Subject").ShouldBe("Grüße");
        mime.Header("From").ShouldBe("Hérald <n@h.test>");
        mime.Header("Reply-To").ShouldBe("r@h.test");
        mime.Header("Date").ShouldBe("Tue, 03 Mar 2026 07:04:05 +0000");
        mime.Header("Message-ID").ShouldBe("<dlv_1@h.test>");
        mime.Header("MIME-Version").ShouldBe("1.0");
        mime.Header("X-Herald-Delivery-Id").ShouldBe("dlv_1");
        mime.ContentType.ShouldBe("multipart/alternative");
        mime.Parts.Select(p => (p.ContentType, p.Text)).ShouldBe([("text/plain", "text body"), ("text/html", "<p>html body</p>")]);
    }

    [Fact]
    public void Write_HtmlOnly_IsASinglePart()
    {
        var message = new EmailMessage("dlv_1", new EmailAddress("n@h.test", null), null, "a@b.test", "s", null, "<b>hi</b>", []);

        var mime = MimeReader.Parse(MimeWriter.Write(message, At, "<x@h.test>"));

        mime.ContentType.ShouldBe("text/html");
        mime.Text.ShouldBe("<b>hi</b>");
        mime.Header("Reply-To").ShouldBeNull();
    }
}
