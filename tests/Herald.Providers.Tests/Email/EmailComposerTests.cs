using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Email;

public class EmailComposerTests
{
    private static readonly EmailSender Sender = new(new EmailAddress("noreply@herald.test", "Herald"), new EmailAddress("help@herald.test", null));

    [Fact]
    public void TryCompose_NormalMail_TracksHtmlAndAddsUnsubscribeAndDeliveryIdHeaders()
    {
        var d = Email(new JsonObject { ["subject"] = "Your order", ["html"] = "<a href=\"https://x.test\">x</a>", ["text"] = "see x" });
        new EmailComposer(Sender, new MarkingTracking()).TryCompose(d, out var m, out var error).ShouldBeTrue(error);

        m.Html.ShouldBe("<a href=\"https://x.test\">x</a><!--tracked-->");
        m.Text.ShouldBe("see x");
        m.Subject.ShouldBe("Your order");
        m.To.ShouldBe("alice@example.com");
        m.Headers.ShouldBe([
            new("List-Unsubscribe", $"<https://h.test/u/{d.Id}>"),
            new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            new("X-Herald-Delivery-Id", d.Id),
        ]);
    }

    [Fact]
    public void TryCompose_UrgentMail_HasNoUnsubscribeHeaders()
    {
        var d = Email(new JsonObject { ["subject"] = "Reset", ["text"] = "code 1234" }, Priority.Urgent);
        new EmailComposer(Sender, new MarkingTracking()).TryCompose(d, out var m, out _).ShouldBeTrue();

        m.Headers.Select(h => h.Key).ShouldBe(["X-Herald-Delivery-Id"]);
        m.Html.ShouldBeNull();
    }

    [Theory]
    [InlineData("{\"html\":\"<p>x</p>\"}", "no subject")]
    [InlineData("{\"subject\":\"s\"}", "neither html nor text")]
    [InlineData("[1]", "JSON object")]
    [InlineData("{not json", "not valid JSON")]
    public void TryCompose_BadContent_SaysWhy(string content, string expected)
    {
        var d = Email(new JsonObject()) with { Content = content };
        new EmailComposer(Sender, new MarkingTracking()).TryCompose(d, out _, out var error).ShouldBeFalse();
        error.ShouldContain(expected);
    }

    [Fact]
    public void TryCompose_SubjectWithLineBreaks_CannotInjectHeaders()
    {
        var d = Email(new JsonObject { ["subject"] = "Hi\r\nBcc: evil@x.test", ["text"] = "t" });
        new EmailComposer(Sender, new MarkingTracking()).TryCompose(d, out var m, out _).ShouldBeTrue();
        m.Subject.ShouldBe("Hi Bcc: evil@x.test");
    }

    [Theory]
    [InlineData("noreply@herald.test", "noreply@herald.test", null)]
    [InlineData("Herald <noreply@herald.test>", "noreply@herald.test", "Herald")]
    [InlineData("\"Herald, Inc.\" <noreply@herald.test>", "noreply@herald.test", "Herald, Inc.")]
    public void EmailSender_Read_ParsesBothForms(string from, string address, string? name)
    {
        var sender = EmailSender.Read(Context(new() { ["From"] = from }));
        sender.From.ShouldBe(new EmailAddress(address, name));
        sender.ReplyTo.ShouldBeNull();
    }

    [Theory]
    [InlineData(null, "From")]
    [InlineData("not an address", "From")]
    public void EmailSender_Read_BadFrom_NamesTheSetting(string? from, string key)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => EmailSender.Read(Context(new() { ["From"] = from })));
        ex.Message.ShouldContain($"Herald:Providers:mail:{key}");
    }

    [Fact]
    public void EmailSender_Read_BadReplyTo_NamesTheSetting()
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => EmailSender.Read(Context(new() { ["From"] = "a@b.test", ["ReplyTo"] = "nope" })));
        ex.Message.ShouldContain("Herald:Providers:mail:ReplyTo");
    }

    internal static Delivery Email(JsonObject content, Priority priority = Priority.Normal, string target = "alice@example.com") =>
        TestContexts.Delivery(Channel.Email, target, content, priority);

    private static ProviderContext Context(Dictionary<string, string?> settings) => TestContexts.Create("mail", "smtp", Channel.Email, settings);

    /// <summary>Marks tracked html, and gives non-urgent mail an unsubscribe URL, so tests can see both happened.</summary>
    internal sealed class MarkingTracking : IEmailTracking
    {
        public string Track(Delivery delivery, string html) => html + "<!--tracked-->";

        public string? UnsubscribeUrl(Delivery delivery) => delivery.Priority == Priority.Urgent ? null : $"https://h.test/u/{delivery.Id}";
    }
}
