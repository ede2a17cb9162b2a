using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Client.Tests;

/// <summary>Layouts, partials, template promotion and preview (HeraldClient.Content.cs) against the live server.</summary>
public sealed class ContentClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task PutLayoutAsync_ThenGetListReplaceDelete_RoundTripsThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var id = ClientServerFixture.NewId("layout");

        var created = await _client.PutLayoutAsync(id, new LayoutRequest("<main>{{{body}}}</main>") { Text = "{{body}}", Description = "plain" }, ct);
        var read = await _client.GetLayoutAsync(id, ct);
        var listed = await _client.ListLayoutsAsync(ct);
        var replaced = await _client.PutLayoutAsync(id, new LayoutRequest("<section>{{{body}}}</section>"), ct);
        await _client.DeleteLayoutAsync(id, ct);
        var gone = await Should.ThrowAsync<HeraldApiException>(() => _client.GetLayoutAsync(id, ct));

        created.LayoutId.ShouldBe(id);
        created.Html.ShouldBe("<main>{{{body}}}</main>");
        created.Text.ShouldBe("{{body}}");
        created.Description.ShouldBe("plain");
        created.IsDefault.ShouldBeFalse();
        read.ShouldBe(created); // the PUT's answer is what a read gives (whole milliseconds)
        listed.Where(l => l.LayoutId == id).ShouldHaveSingleItem().ShouldBe(read);
        replaced.Html.ShouldBe("<section>{{{body}}}</section>");
        replaced.Text.ShouldBeNull();
        (await _client.ListLayoutsAsync(ct)).ShouldNotContain(l => l.LayoutId == id);
        ClientServerFixture.ShouldBeNotFound(gone);
        gone.Detail.ShouldBe($"layout '{id}' does not exist");
    }

    [Fact]
    public async Task PutLayoutAsync_BlankHtml_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.PutLayoutAsync(ClientServerFixture.NewId("layout"), new LayoutRequest(" "), ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "html", "'html' is required: the layout's HTML with {{{body}}} where the email's HTML goes");
    }

    [Fact]
    public async Task PutPartialAsync_ThenGetListReplaceDelete_RoundTripsThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var name = ClientServerFixture.NewId("partial");

        var created = await _client.PutPartialAsync(name, "-- {{team}}", ct);
        var read = await _client.GetPartialAsync(name, ct);
        var listed = await _client.ListPartialsAsync(ct);
        var replaced = await _client.PutPartialAsync(name, "Regards, {{team}}", ct);
        await _client.DeletePartialAsync(name, ct);
        var again = await Should.ThrowAsync<HeraldApiException>(() => _client.DeletePartialAsync(name, ct));

        created.Name.ShouldBe(name);
        created.Source.ShouldBe("-- {{team}}");
        read.ShouldBe(created); // the PUT's answer is what a read gives (whole milliseconds)
        listed.Where(p => p.Name == name).ShouldHaveSingleItem().ShouldBe(read);
        replaced.Source.ShouldBe("Regards, {{team}}");
        replaced.UpdatedAt.ShouldBeGreaterThanOrEqualTo(created.UpdatedAt);
        (await _client.ListPartialsAsync(ct)).ShouldNotContain(p => p.Name == name);
        ClientServerFixture.ShouldBeNotFound(again);
    }

    [Fact]
    public async Task PutPartialAsync_NameWithASpace_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.PutPartialAsync("two words", "x", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "name", "a partial's name must be 1-64 characters of letters, digits, '_' or '-'");
    }

    [Fact]
    public async Task PreviewTemplateAsync_EmailWithLayoutAndPartial_RendersAsASendWould()
    {
        var ct = ClientServerFixture.Timeout();
        var layout = ClientServerFixture.NewId("layout");
        var partial = ClientServerFixture.NewId("partial");
        await _client.PutLayoutAsync(layout, new LayoutRequest("<main>{{{body}}}</main>"), ct);
        await _client.PutPartialAsync(partial, "-- {{team}}", ct);
        var id = ClientServerFixture.NewId("client-tpl");
        var draft = new CreateTemplateRequest(id, new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "Hi {{name}}", ["html"] = $"<p>Hi {{{{name}}}}</p>{{{{> {partial}}}}}", ["text"] = "Hi {{name}}" },
        })
        {
            Variables = ["name", "team"],
            Layout = JsonSerializer.SerializeToElement(layout),
        };
        var version = (await _client.CreateTemplateAsync(draft, ct)).Version;
        var data = new JsonObject { ["name"] = "Ada", ["team"] = "Ops" };

        var stored = await _client.PreviewTemplateAsync(id, new TemplatePreviewRequest { Version = version, Channel = Channel.Email, Data = data, Locale = "fr" }, ct);
        var unsaved = await _client.PreviewTemplateAsync(id, new TemplatePreviewRequest { Definition = draft, Data = data }, ct);

        stored.TemplateId.ShouldBe(id);
        stored.Version.ShouldBe(version);
        stored.Locale.ShouldBe("fr");
        var email = stored.Channels["email"].ShouldNotBeNull();
        email["subject"]!.GetValue<string>().ShouldBe("Hi Ada");
        email["html"]!.GetValue<string>().ShouldContain("<main><p>Hi Ada</p>-- Ops</main>");
        unsaved.Version.ShouldBe(0);
        unsaved.Channels["email"]!["html"]!.GetValue<string>().ShouldBe(email["html"]!.GetValue<string>());
    }

    [Fact]
    public async Task PreviewTemplateAsync_VersionZero_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.PreviewTemplateAsync("any", new TemplatePreviewRequest { Version = 0 }, ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "version", "'version' must be a version number (1 or more), got 0");
    }

    [Fact]
    public async Task PreviewTemplateAsync_UnknownTemplate_Throws404()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.PreviewTemplateAsync("tpl-missing", cancellationToken: ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
        ex.Detail.ShouldBe("template version 'tpl-missing' does not exist");
    }

    [Fact]
    public async Task PromoteTemplateAsync_ToANewEnvironment_IsADraftThere()
    {
        var ct = ClientServerFixture.Timeout();
        var id = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var (environment, there) = await server.EnvironmentWithAdminAsync(_client, ct);
        var here = (await _client.GetCurrentKeyAsync(ct)).Environment;

        var promoted = await _client.PromoteTemplateAsync(id, environment.Id, cancellationToken: ct);
        var copy = await there.GetTemplateAsync(id, ct);
        var missing = await Should.ThrowAsync<HeraldApiException>(() => _client.PromoteTemplateAsync(id, "env_missing", cancellationToken: ct));

        promoted.ShouldBe(new TemplatePromoted(id, 1, "draft", environment.Id, here, 1, promoted.CreatedAt));
        copy.LatestVersion.ShouldBe(1);
        copy.PublishedVersion.ShouldBeNull();
        copy.Versions.ShouldHaveSingleItem().Status.ShouldBe("draft");
        ClientServerFixture.ShouldBeNotFound(missing);
        missing.Detail.ShouldBe("environment 'env_missing' does not exist");
    }

    [Fact]
    public async Task PromoteTemplateAsync_VersionZero_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.PromoteTemplateAsync("any", "env_any", 0, ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "version", "'version' must be a version number (1 or more), got 0");
    }
}
