using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Smtp;
using Herald.Providers.Tests.Email;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Smtp;

public class SmtpAdapterTests(SmtpSinkFixture sink) : IClassFixture<SmtpSinkFixture>
{
    [Fact]
    public async Task SendAsync_ValidDelivery_IsStoredWithBothPartsAndHeaders()
    {
        var text = "Hello Alice,\n.a line starting with a dot\n.\nThe end — Grüße";
        var d = Delivery("alice@example.com", new JsonObject { ["subject"] = "Ihre Bestellung ist unterwegs 📦", ["html"] = "<p>Hi <b>Alice</b></p>", ["text"] = text });

        var sent = (await Adapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var mail = sink.Messages(d.Id).ShouldHaveSingleItem();
        sent.ProviderMessageId.ShouldBe($"{d.Id}@herald.test");
        mail.Header("X-Sink-Mail-From").ShouldBe("noreply@herald.test");
        mail.Header("X-Sink-Rcpt-To").ShouldBe("alice@example.com");
        mail.Header("Subject").ShouldBe("Ihre Bestellung ist unterwegs 📦");
        mail.Header("From").ShouldBe("Herald <noreply@herald.test>");
        mail.Header("To").ShouldBe("alice@example.com");
        mail.Header("Message-ID").ShouldBe($"<{d.Id}@herald.test>");
        DateTimeOffset.Parse(mail.Header("Date")!.Replace(" +0000", "Z")).ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        mail.Header("MIME-Version").ShouldBe("1.0");
        mail.Header("List-Unsubscribe").ShouldBe($"<https://h.test/u/{d.Id}>");
        mail.Header("List-Unsubscribe-Post").ShouldBe("List-Unsubscribe=One-Click");
        mail.Header("X-Herald-Delivery-Id").ShouldBe(d.Id);
        mail.ContentType.ShouldBe("multipart/alternative");
        mail.Parts.Select(p => p.ContentType).ShouldBe(["text/plain", "text/html"]);
        mail.Parts[0].Text.ShouldBe(text.ReplaceLineEndings("\r\n"));
        mail.Parts[1].Text.ShouldBe("<p>Hi <b>Alice</b></p><!--tracked-->");
    }

    [Fact]
    public async Task SendAsync_UrgentTextOnly_HasNoUnsubscribeHeaders()
    {
        var d = Delivery("bob@example.com", new JsonObject { ["subject"] = "Your code", ["text"] = "1234" }, Priority.Urgent);

        (await Adapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var mail = sink.Messages(d.Id).ShouldHaveSingleItem();
        mail.Header("List-Unsubscribe").ShouldBeNull();
        mail.ContentType.ShouldBe("text/plain");
        mail.Text.ShouldBe("1234");
    }

    [Theory]
    [InlineData("unknown@example.com", typeof(DeliveryOutcome.InvalidTarget))]
    [InlineData("busy@example.com", typeof(DeliveryOutcome.Retry))]
    [InlineData("reject@example.com", typeof(DeliveryOutcome.Rejected))]
    [InlineData("not-an-address", typeof(DeliveryOutcome.InvalidTarget))]
    public async Task SendAsync_RecipientRefused_MapsTheReply(string target, Type expected)
    {
        var d = Delivery(target);

        var outcome = await Adapter().SendAsync(d, CancellationToken.None);

        outcome.ShouldBeOfType(expected);
        sink.Messages(d.Id).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_NoAnswerAfterFinalDot_IsUnknownAndTheServerHasIt()
    {
        var d = Delivery("hang@example.com");

        var outcome = await Adapter(timeout: "00:00:01").SendAsync(d, CancellationToken.None);

        outcome.ShouldBeOfType<DeliveryOutcome.Unknown>().Reason.ShouldContain("after the message was sent");
        sink.Messages(d.Id).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task SendAsync_WrongPassword_IsMisconfigured()
    {
        var outcome = await Adapter(new() { ["Password"] = "wrong" }).SendAsync(Delivery("alice@example.com"), CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldContain("535");
    }

    [Fact]
    public async Task SendAsync_NoCredentialsWhereAuthIsRequired_IsMisconfigured()
    {
        var outcome = await Adapter(new() { ["Username"] = null, ["Password"] = null }).SendAsync(Delivery("alice@example.com"), CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldContain("530");
    }

    [Fact]
    public async Task SendAsync_ClosedPort_IsRetried()
    {
        var outcome = await Adapter(new() { ["Port"] = SmtpSinkFixture.FreePort().ToString() }).SendAsync(Delivery("alice@example.com"), CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Retry>();
    }

    [Fact]
    public async Task SendAsync_PinnedCertificateMismatch_SendsNothing()
    {
        var d = Delivery("alice@example.com");

        var outcome = await Adapter(new() { ["ServerCertificateSha256"] = new string('A', 64) }).SendAsync(d, CancellationToken.None);

        outcome.ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldContain("TLS");
        sink.Messages(d.Id).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_SelfSignedCertificateWithoutPin_FailsNormalValidation()
    {
        var d = Delivery("alice@example.com");

        var outcome = await Adapter(new() { ["ServerCertificateSha256"] = null }).SendAsync(d, CancellationToken.None);

        outcome.ShouldBeOfType<DeliveryOutcome.Misconfigured>();
        sink.Messages(d.Id).ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_ServerWithoutStartTls_IsMisconfiguredUnlessTurnedOff()
    {
        var plain = new Dictionary<string, string?> { ["Port"] = sink.PlainPort.ToString(), ["Username"] = null, ["Password"] = null };
        var d = Delivery("alice@example.com");

        (await Adapter(plain).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>().Reason.ShouldContain("STARTTLS");
        plain["StartTls"] = "false";
        (await Adapter(plain).SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        sink.Messages(d.Id).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task LookUpAsync_Always_CannotAsk() =>
        (await Adapter().LookUpAsync(Delivery("alice@example.com"), CancellationToken.None)).ShouldBe(LookUpAnswer.CannotAsk);

    [Fact]
    public async Task SendAsync_ContentWithoutSubject_IsRejectedWithoutConnecting()
    {
        var d = Delivery("alice@example.com", new JsonObject { ["text"] = "x" });
        var outcome = await Adapter(new() { ["Port"] = SmtpSinkFixture.FreePort().ToString() }).SendAsync(d, CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Rejected>();
    }

    [Theory]
    [InlineData("Host", null, "Herald:Providers:smtp1:Host")]
    [InlineData("Port", "70000", "Herald:Providers:smtp1:Port")]
    [InlineData("StartTls", "yes", "Herald:Providers:smtp1:StartTls")]
    [InlineData("Password", null, "Herald:Providers:smtp1:Username")]
    [InlineData("ServerCertificateSha256", "abc", "Herald:Providers:smtp1:ServerCertificateSha256")]
    [InlineData("From", null, "Herald:Providers:smtp1:From")]
    public void Constructor_BadSetting_NamesIt(string key, string? value, string expected)
    {
        var ex = Should.Throw<ProviderConfigurationException>(() => Adapter(new() { [key] = value }));
        ex.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task SendAsync_SeveralMessages_GoOverOneConnection()
    {
        using var adapter = Adapter();
        var ds = Enumerable.Range(0, 3).Select(_ => Delivery("alice@example.com")).ToList();

        foreach (var d in ds)
        {
            (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        }

        ds.Select(d => sink.Messages(d.Id).ShouldHaveSingleItem().Header("X-Sink-Peer")).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task SendAsync_ManyAtOnce_OpenAtMostMaxConnections()
    {
        using var adapter = Adapter(Plain(new() { ["MaxConnections"] = "2" }));
        var ds = Enumerable.Range(0, 8).Select(_ => Delivery("alice@example.com")).ToList();

        var outcomes = await Task.WhenAll(ds.Select(d => adapter.SendAsync(d, CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(30));

        outcomes.ShouldAllBe(o => o is DeliveryOutcome.Sent);
        ds.Select(d => sink.Messages(d.Id).ShouldHaveSingleItem().Header("X-Sink-Peer")).Distinct().Count().ShouldBeInRange(1, 2);
    }

    [Fact]
    public async Task SendAsync_ServerDroppedTheIdleConnection_SendsOverANewOne()
    {
        using var adapter = Adapter(Plain(new() { ["Port"] = sink.IdlePort.ToString() }));
        var first = Delivery("alice@example.com");
        var second = Delivery("alice@example.com");

        (await adapter.SendAsync(first, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the server drops a client idle for one second
        (await adapter.SendAsync(second, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        sink.Messages(second.Id).ShouldHaveSingleItem().Header("X-Sink-Peer").ShouldNotBe(sink.Messages(first.Id).Single().Header("X-Sink-Peer"));
    }

    [Fact]
    public async Task SendAsync_AfterAnUnknownOutcome_ConnectsAnew()
    {
        using var adapter = Adapter(timeout: "00:00:01");
        var hang = Delivery("hang@example.com");
        var next = Delivery("alice@example.com");

        (await adapter.SendAsync(hang, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Unknown>();
        (await adapter.SendAsync(next, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        sink.Messages(next.Id).ShouldHaveSingleItem().Header("X-Sink-Peer").ShouldNotBe(sink.Messages(hang.Id).Single().Header("X-Sink-Peer"));
    }

    [Fact]
    public async Task SendAsync_NonAsciiMailboxWhereTheServerOffersSmtpUtf8_GoesOutInUtf8()
    {
        using var adapter = Adapter(Plain());
        var d = Delivery("jörg@bücher.example", new JsonObject { ["subject"] = "Grüße aus Köln", ["text"] = "Hallo" });

        (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        var mail = sink.Messages(d.Id).ShouldHaveSingleItem();
        mail.Header("X-Sink-Rcpt-To").ShouldBe("jörg@bücher.example");
        mail.Header("To").ShouldBe("jörg@bücher.example");
        mail.Header("Subject").ShouldBe("Grüße aus Köln");
        mail.Text.ShouldBe("Hallo");
    }

    [Fact]
    public async Task SendAsync_NonAsciiMailboxWithoutSmtpUtf8_IsInvalidTarget_ButAnIdnDomainGoesOut()
    {
        using var adapter = Adapter(Plain(new() { ["Port"] = sink.AsciiPort.ToString() }));
        var local = Delivery("jörg@example.com");
        var domain = Delivery("bob@bücher.example");

        (await adapter.SendAsync(local, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>().Reason.ShouldContain("SMTPUTF8");
        (await adapter.SendAsync(domain, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();

        sink.Messages(local.Id).ShouldBeEmpty();
        sink.Messages(domain.Id).ShouldHaveSingleItem().Header("X-Sink-Rcpt-To").ShouldBe("bob@xn--bcher-kva.example");
    }

    [Theory]
    [InlineData("StartTlsWhenAvailable", typeof(DeliveryOutcome.Sent))]
    [InlineData("None", typeof(DeliveryOutcome.Sent))]
    [InlineData("StartTlsRequired", typeof(DeliveryOutcome.Misconfigured))]
    [InlineData("SslOnConnect", typeof(DeliveryOutcome.Misconfigured))]
    public async Task SendAsync_SecurityAgainstAPlainServer_SendsOnlyWhereAllowed(string security, Type expected)
    {
        var settings = Plain();
        settings.Remove("StartTls");
        settings["Security"] = security;
        using var adapter = Adapter(settings);

        (await adapter.SendAsync(Delivery("alice@example.com"), CancellationToken.None)).ShouldBeOfType(expected);
    }

    [Fact]
    public async Task SendAsync_StartTlsWhenAvailableWhereOffered_UpgradesBeforeAuth()
    {
        // The secure sink refuses AUTH and mail in plain text, so a sent message proves the upgrade.
        using var adapter = Adapter(new() { ["Security"] = "StartTlsWhenAvailable" });
        (await adapter.SendAsync(Delivery("alice@example.com"), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
    }

    [Theory]
    [InlineData("Security", "Yes")]
    [InlineData("Security", "1")]
    [InlineData("MaxConnections", "0")]
    public void Constructor_BadNewSetting_NamesIt(string key, string value) =>
        Should.Throw<ProviderConfigurationException>(() => Adapter(new() { [key] = value })).Message.ShouldContain($"Herald:Providers:smtp1:{key}");

    [Fact]
    public void Constructor_SecurityAndStartTlsBoth_NamesBoth() =>
        Should.Throw<ProviderConfigurationException>(() => Adapter(new() { ["Security"] = "None", ["StartTls"] = "false" })).Message
            .ShouldContain("Herald:Providers:smtp1:StartTls");

    [Theory]
    [InlineData(null, null, null, 587, "StartTlsRequired")]
    [InlineData(null, "false", null, 587, "None")]
    [InlineData("465", null, null, 465, "SslOnConnect")]
    [InlineData(null, null, "SslOnConnect", 465, "SslOnConnect")]
    [InlineData("2525", null, "startTlsWhenAvailable", 2525, "StartTlsWhenAvailable")]
    public void Read_PortAndSecurity_FollowEachOther(string? port, string? startTls, string? security, int expectedPort, string expectedSecurity)
    {
        var context = TestContexts.Create("smtp1", "smtp", Channel.Email,
            new Dictionary<string, string?> { ["Host"] = "mail.test", ["Port"] = port, ["StartTls"] = startTls, ["Security"] = security });

        var options = SmtpOptions.Read(context);

        options.Port.ShouldBe(expectedPort);
        options.Security.ShouldBe(Enum.Parse<SmtpSecurity>(expectedSecurity));
    }

    private Dictionary<string, string?> Plain(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Port"] = sink.PlainPort.ToString(), ["StartTls"] = "false", ["Username"] = null, ["Password"] = null };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private SmtpAdapter Adapter(Dictionary<string, string?>? overrides = null, string timeout = "00:00:05")
    {
        var settings = new Dictionary<string, string?>
        {
            ["Host"] = "127.0.0.1",
            ["Port"] = sink.Port.ToString(),
            ["Username"] = sink.User,
            ["Password"] = sink.Password,
            ["ServerCertificateSha256"] = sink.CertificateSha256,
            ["From"] = "Herald <noreply@herald.test>",
            ["HeloName"] = "herald.test",
            ["Timeout"] = timeout,
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return new SmtpAdapter(TestContexts.Create("smtp1", "smtp", Channel.Email, settings, tracking: new EmailComposerTests.MarkingTracking()));
    }

    private static Delivery Delivery(string target, JsonObject? content = null, Priority priority = Priority.Normal) =>
        TestContexts.Delivery(Channel.Email, target, content ?? new JsonObject { ["subject"] = "Hi", ["text"] = "Hello", ["html"] = "<p>Hello</p>" }, priority);
}
