using Herald.Core.Templates;

namespace Herald.Core.Tests.Templates;

public class HtmlTextTests
{
    [Fact]
    public void Convert_Paragraphs_AreSeparatedByABlankLine() =>
        HtmlText.Convert("<p>One</p>\n   <p>Two\n   words</p>").ShouldBe("One\n\nTwo words");

    [Fact]
    public void Convert_LineBreak_StartsANewLine() =>
        HtmlText.Convert("<p>a<br>b<br/>c</p>").ShouldBe("a\nb\nc");

    [Fact]
    public void Convert_Link_IsTextThenUrl() =>
        HtmlText.Convert("See <a href=\"https://x.test/o?id=1&amp;t=2\">your order</a>.").ShouldBe("See your order (https://x.test/o?id=1&t=2).");

    [Fact]
    public void Convert_LinkWhoseTextIsTheUrl_IsWrittenOnce() =>
        HtmlText.Convert("<a href=\"https://x.test\">https://x.test</a>").ShouldBe("https://x.test");

    [Fact]
    public void Convert_Lists_AreDashedOrNumberedLines() =>
        HtmlText.Convert("<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol>").ShouldBe("- a\n- b\n\n1. x\n2. y");

    [Fact]
    public void Convert_ScriptStyleHeadAndComments_AreDropped() =>
        HtmlText.Convert("<head><title>T</title><style>p{color:red}</style></head><!-- note --><script>alert('<p>x</p>')</script><p>Body</p>").ShouldBe("Body");

    [Fact]
    public void Convert_Entities_AreDecoded() =>
        HtmlText.Convert("<p>Tom &amp; Jerry &lt;3&nbsp;&#8364;</p>").ShouldBe("Tom & Jerry <3 €");

    [Fact]
    public void Convert_Headings_AreBlocks() =>
        HtmlText.Convert("<h1>Title</h1>Text").ShouldBe("Title\n\nText");

    [Fact]
    public void Convert_UnclosedMarkup_DoesNotThrowOrHang() =>
        HtmlText.Convert(string.Concat(Enumerable.Repeat("<!--<a href=\"", 20_000)) + "end").ShouldNotBeNull();
}
