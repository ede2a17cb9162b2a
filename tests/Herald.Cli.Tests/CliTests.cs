using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Herald.Cli.Tests;

/// <summary>The herald CLI against a running Herald server: every command, its output, its exit code.</summary>
public sealed class CliTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    private static readonly JsonObject InApp = new() { ["in_app"] = new JsonObject { ["title"] = "Hello {{name}}", ["body"] = "Body {{name}}" } };

    [Fact]
    public async Task Send_ThenStatus_ShowsDeliveriesAndTrace()
    {
        var template = CliServerFixture.NewId("cli-send");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");

        var sent = await server.RunAsync("send", "--event", template, "--to", "ada", "--data", "{\"name\":\"Ada\"}");

        sent.ExitCode.ShouldBe(0, sent.Error);
        var id = sent.Output.Split(' ')[1];
        id.ShouldStartWith("ntf_");
        await server.WaitForAsync(id, n => n["status"]!.GetValue<string>() == "completed");
        var status = await server.RunAsync("status", id);
        status.ExitCode.ShouldBe(0, status.Error);
        status.Output.ShouldContain(id);
        status.Output.ShouldContain("Deliveries");
        status.Output.ShouldContain("in_app");
        status.Output.ShouldContain("sent");
        status.Output.ShouldContain("Trace");
        status.Output.ShouldContain("planned");
    }

    [Fact]
    public async Task Send_Json_PrintsTheAcceptedDocument()
    {
        var template = CliServerFixture.NewId("cli-json");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");

        var sent = await server.RunAsync("send", "--json", "-e", template, "-t", "bob", "-d", "{\"name\":\"Bob\"}", "--priority", "urgent");

        sent.ExitCode.ShouldBe(0, sent.Error);
        var body = JsonNode.Parse(sent.Output)!;
        body["id"]!.GetValue<string>().ShouldStartWith("ntf_");
        body["status"]!.GetValue<string>().ShouldBe("accepted");
    }

    [Fact]
    public async Task Send_UnknownTemplate_PrintsTheProblemAndExits1()
    {
        var result = await server.RunAsync("send", "--event", "no-such-template-" + Guid.NewGuid().ToString("N"), "--to", "ada");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("does not exist");
        result.Error.ShouldContain("type: https://herald.dev/problems/");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Send_DataNotJson_IsAUsageErrorAndSendsNothing()
    {
        var result = await server.RunAsync("send", "--event", "x", "--to", "ada", "--data", "{not json");

        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("--data is not valid JSON");
    }

    [Fact]
    public async Task Send_UnknownPriority_IsAUsageErrorAndSendsNothing()
    {
        var result = await server.RunAsync("send", "--event", "x", "--to", "ada", "--priority", "asap");

        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("unknown priority 'asap'; expected urgent, normal or low");
    }

    [Fact]
    public async Task Tail_NotificationSentWhileTailing_PrintsItsDelivery()
    {
        var template = CliServerFixture.NewId("cli-tail");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");
        var user = CliServerFixture.NewId("tail-user");

        var tail = server.RunAsync("tail", "--json", "--recipient", user, "--interval", "0.1", "--duration", "20", "--count", "1");
        await Task.Delay(500);
        var sent = await server.RunAsync("send", "--json", "-e", template, "-t", user, "-d", "{\"name\":\"T\"}");
        var id = JsonNode.Parse(sent.Output)!["id"]!.GetValue<string>();
        var result = await tail;

        result.ExitCode.ShouldBe(0, result.Error);
        var line = JsonNode.Parse(result.Output.Trim().Split('\n').ShouldHaveSingleItem())!;
        line["notification_id"]!.GetValue<string>().ShouldBe(id);
        line["channel"]!.GetValue<string>().ShouldBe("in_app");
        line["recipient_id"]!.GetValue<string>().ShouldBe(user);
    }

    [Fact]
    public async Task Dlq_ListThenReplayAll_EveryDeadLetterReplayedAndSent()
    {
        var template = CliServerFixture.NewId("cli-dlq");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");
        var recipient = CliServerFixture.NewId("dlq-user");
        using (var endpoint = await server.Http.PostAsync(new Uri("/api/v1/webhook-endpoints", UriKind.Relative),
            CliServerFixture.Json(new JsonObject { ["recipient_id"] = recipient, ["url"] = server.ReceiverUrl })))
        {
            ((int)endpoint.StatusCode).ShouldBe(201);
        }

        server.ReceiverStatus = 500;
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var sent = await server.RunAsync("send", "--json", "-e", template, "-t", recipient, "-c", "webhook", "-d", $"{{\"name\":\"{i}\"}}");
            ids.Add(JsonNode.Parse(sent.Output)!["id"]!.GetValue<string>());
        }

        foreach (var id in ids)
        {
            await server.WaitForAsync(id, n => n["deliveries"]!.AsArray() is [{ } d] && d["status"]!.GetValue<string>() == "dead");
        }

        var list = await server.RunAsync("dlq", "list", "--json", "--all");
        list.ExitCode.ShouldBe(0, list.Error);
        var dead = JsonNode.Parse(list.Output)!["dead_letters"]!.AsArray().Where(d => ids.Contains(d!["notification_id"]!.GetValue<string>())).ToList();
        dead.Count.ShouldBe(2);
        var table = await server.RunAsync("dlq", "list");
        table.Output.ShouldContain(dead[0]!["delivery_id"]!.GetValue<string>());

        server.ReceiverStatus = 200;
        var replay = await server.RunAsync("dlq", "replay", "--all", "--json");

        replay.ExitCode.ShouldBe(0, replay.Error);
        var summary = JsonNode.Parse(replay.Output)!;
        summary["replayed"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2);
        summary["failed"]!.GetValue<int>().ShouldBe(0);
        foreach (var id in ids)
        {
            await server.WaitForAsync(id, n => n["deliveries"]!.AsArray() is [{ } d] && d["status"]!.GetValue<string>() == "sent");
        }
    }

    [Fact]
    public async Task Dlq_ReplayWithoutIdOrAll_IsAUsageError()
    {
        var result = await server.RunAsync("dlq", "replay");

        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("give one delivery id or --all");
    }

    [Fact]
    public async Task Dlq_ReplayUnknownDelivery_PrintsNotFoundAndExits1()
    {
        var result = await server.RunAsync("dlq", "replay", "dlv_does_not_exist");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("404");
    }

    [Fact]
    public async Task Templates_PullEditPush_NewVersionPublishedAndUnchangedSkipped()
    {
        var template = CliServerFixture.NewId("cli-tpl");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");
        var folder = server.NewFolder();

        var pulled = await server.RunAsync("templates", "pull", folder);

        pulled.ExitCode.ShouldBe(0, pulled.Error);
        var path = Path.Combine(folder, template + ".json");
        var file = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        file["template_id"]!.GetValue<string>().ShouldBe(template);
        file["channels"]!["in_app"]!["title"]!.GetValue<string>().ShouldBe("Hello {{name}}");

        file["channels"]!["in_app"]!["title"] = "Hi again {{name}}";
        await File.WriteAllTextAsync(path, file.ToJsonString());
        var pushed = await server.RunAsync("templates", "push", folder, "--json");

        pushed.ExitCode.ShouldBe(0, pushed.Error);
        var mine = JsonNode.Parse(pushed.Output)!["templates"]!.AsArray().Single(t => t!["template_id"]!.GetValue<string>() == template)!;
        mine["result"]!.GetValue<string>().ShouldBe("updated");
        mine["version"]!.GetValue<int>().ShouldBe(2);
        var detail = await server.GetAsync($"/api/v1/templates/{template}");
        detail["published_version"]!.GetValue<int>().ShouldBe(2);

        var again = await server.RunAsync("templates", "push", folder, "--json");
        JsonNode.Parse(again.Output)!["templates"]!.AsArray().Single(t => t!["template_id"]!.GetValue<string>() == template)!["result"]!.GetValue<string>().ShouldBe("unchanged");
        var repulled = server.NewFolder();
        (await server.RunAsync("templates", "pull", repulled)).ExitCode.ShouldBe(0);
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(repulled, template + ".json")))!["channels"]!["in_app"]!["title"]!.GetValue<string>().ShouldBe("Hi again {{name}}");
    }

    [Fact]
    public async Task Templates_PushDedupThenPull_DedupKeptAndUnchangedSkipped()
    {
        var folder = server.NewFolder();
        var template = CliServerFixture.NewId("cli-dedup");
        var dedup = new JsonObject { ["window"] = "PT1H", ["urgent"] = true };
        await File.WriteAllTextAsync(Path.Combine(folder, template + ".json"),
            new JsonObject { ["template_id"] = template, ["channels"] = InApp.DeepClone(), ["dedup"] = dedup.DeepClone() }.ToJsonString());

        (await server.RunAsync("templates", "push", folder)).ExitCode.ShouldBe(0);
        var again = await server.RunAsync("templates", "push", folder, "--json");
        var repulled = server.NewFolder();
        (await server.RunAsync("templates", "pull", repulled)).ExitCode.ShouldBe(0);

        JsonNode.Parse(again.Output)!["templates"]!.AsArray().Single(t => t!["template_id"]!.GetValue<string>() == template)!["result"]!.GetValue<string>().ShouldBe("unchanged");
        JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(repulled, template + ".json")))!["dedup"], dedup).ShouldBeTrue();
    }

    [Fact]
    public async Task Templates_PushInvalidTemplate_ReportsTheProblemAndExits5()
    {
        var folder = server.NewFolder();
        var good = CliServerFixture.NewId("cli-good");
        await File.WriteAllTextAsync(Path.Combine(folder, good + ".json"), new JsonObject { ["template_id"] = good, ["channels"] = InApp.DeepClone() }.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(folder, "zz-bad.json"), new JsonObject { ["template_id"] = "zz-bad", ["channels"] = new JsonObject { ["carrier-pigeon"] = new JsonObject() } }.ToJsonString());

        var pushed = await server.RunAsync("templates", "push", folder);

        pushed.ExitCode.ShouldBe(5);
        pushed.Output.ShouldContain("created");
        pushed.Output.ShouldContain("failed");
        pushed.Error.ShouldContain("zz-bad.json: 400");
        (await server.GetAsync($"/api/v1/templates/{good}"))["published_version"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task UsersImport_OneBadRow_ReportsItsLineAndImportsTheRest()
    {
        var a = CliServerFixture.NewId("imp");
        var b = CliServerFixture.NewId("imp");
        var csv = Path.Combine(server.NewFolder(), "users.csv");
        await File.WriteAllTextAsync(csv, $"user_id,email,phone,locale,timezone\n{a},a@example.com,+15550001111,fr-CA,Europe/Paris\n,missing@example.com,,,\n\"{b}\",\"b@example.com\",,en,\n");

        var result = await server.RunAsync("users", "import", csv);

        result.ExitCode.ShouldBe(5);
        result.Output.ShouldContain("imported 2 user(s), 1 failed");
        result.Error.ShouldContain("line 3");
        result.Error.ShouldContain("user_id is empty");
        var first = await server.GetAsync($"/api/v1/users/{a}");
        first["email"]!.GetValue<string>().ShouldBe("a@example.com");
        first["timezone"]!.GetValue<string>().ShouldBe("Europe/Paris");
        (await server.GetAsync($"/api/v1/users/{b}"))["locale"]!.GetValue<string>().ShouldBe("en");
    }

    [Fact]
    public async Task UsersImport_ServerRefusesARow_ReportsTheServersReason()
    {
        var csv = Path.Combine(server.NewFolder(), "users.csv");
        await File.WriteAllTextAsync(csv, "id,phone\r\nbad-phone-user,not-a-number\r\n");

        var result = await server.RunAsync("users", "import", csv, "--json");

        result.ExitCode.ShouldBe(5);
        var failure = JsonNode.Parse(result.Output)!["failures"]!.AsArray().ShouldHaveSingleItem()!;
        failure["line"]!.GetValue<int>().ShouldBe(2);
        failure["status"]!.GetValue<int>().ShouldBe(400);
    }

    [Fact]
    public async Task UsersImport_NoUserIdColumn_IsAUsageError()
    {
        var csv = Path.Combine(server.NewFolder(), "users.csv");
        await File.WriteAllTextAsync(csv, "email\na@example.com\n");

        var result = await server.RunAsync("users", "import", csv);

        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("no user_id column");
    }

    [Fact]
    public async Task Health_ReadyServer_PrintsChecksAndExits0()
    {
        var result = await server.RunAsync("health");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("ready");
        result.Output.ShouldContain("store");
        var json = await server.RunAsync("health", "--json");
        JsonNode.Parse(json.Output)!["status"]!.GetValue<string>().ShouldBe("ready");
    }

    [Fact]
    public async Task Health_NobodyListening_Exits3()
    {
        var result = await server.RunAsync("health", "--url", $"http://127.0.0.1:{FreePort()}");

        result.ExitCode.ShouldBe(3);
        result.Error.ShouldContain("cannot reach Herald");
    }

    [Fact]
    public async Task Health_ProxyAnswers503WithoutHeraldsDocument_Exits4()
    {
        server.ReceiverStatus = 503;
        try
        {
            var result = await server.RunAsync("health", "--url", server.ReceiverUrl[..^"/hooks".Length]);

            result.ExitCode.ShouldBe(4);
            result.Error.ShouldContain("error: 503");
        }
        finally
        {
            server.ReceiverStatus = 500;
        }
    }

    [Fact]
    public async Task Status_Json_PrintsTheNotificationAsTheApiSendsIt()
    {
        var template = CliServerFixture.NewId("cli-status");
        await server.CreateTemplateAsync(template, InApp.DeepClone().AsObject(), "name");
        var id = JsonNode.Parse((await server.RunAsync("send", "--json", "-e", template, "-t", "cy", "-d", "{\"name\":\"Cy\"}")).Output)!["id"]!.GetValue<string>();
        var api = await server.WaitForAsync(id, n => n["status"]!.GetValue<string>() == "completed");

        var status = await server.RunAsync("status", id, "--json");

        status.ExitCode.ShouldBe(0, status.Error);
        var printed = JsonNode.Parse(status.Output)!;
        printed["id"]!.GetValue<string>().ShouldBe(id);
        printed["priority"]!.GetValue<string>().ShouldBe(api["priority"]!.GetValue<string>());
        printed["deliveries"]![0]!["channel"]!.GetValue<string>().ShouldBe("in_app");
        printed["deliveries"]![0]!["id"]!.GetValue<string>().ShouldBe(api["deliveries"]![0]!["id"]!.GetValue<string>());
        printed["trace"]!.AsArray().Count.ShouldBe(api["trace"]!.AsArray().Count);
        printed.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ShouldBe(api.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("variables", "name")]
    [InlineData("chanels", "in_app")]
    public async Task Templates_PushFileOfWrongShape_IsAUsageErrorAndSendsNothing(string member, string value)
    {
        var folder = server.NewFolder();
        var good = CliServerFixture.NewId("aa-good");
        await File.WriteAllTextAsync(Path.Combine(folder, good + ".json"), new JsonObject { ["template_id"] = good, ["channels"] = InApp.DeepClone() }.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(folder, "zz-shape.json"), new JsonObject { ["channels"] = InApp.DeepClone(), [member] = value }.ToJsonString());

        var pushed = await server.RunAsync("templates", "push", folder);

        pushed.ExitCode.ShouldBe(2);
        pushed.Error.ShouldContain("zz-shape.json: not a template");
        pushed.Error.ShouldContain(member);
        using var response = await server.Http.GetAsync(new Uri($"/api/v1/templates/{good}", UriKind.Relative));
        ((int)response.StatusCode).ShouldBe(404);
    }

    [Fact]
    public async Task Binary_RunAsAProcess_ExitCodesReachTheShell()
    {
        var ok = await RunBinaryAsync("health", "--url", server.Server.ToString());
        var usage = await RunBinaryAsync("send", "--url", server.Server.ToString());

        ok.ExitCode.ShouldBe(0, ok.Error);
        ok.Output.ShouldContain("ready");
        usage.ExitCode.ShouldBe(2);
        usage.Error.ShouldContain("--event");
    }

    [Fact]
    public async Task Keys_CreateListRotateRevoke_SecretPrintedOnceAndRevokedKeyRefused()
    {
        var name = CliServerFixture.NewId("cli-key");

        var created = await server.RunAsync("keys", "create", "--name", name, "--scope", "notifications:read", "--scope", "users:write");

        created.ExitCode.ShouldBe(0, created.Error);
        var secret = created.Output.Trim();
        secret.ShouldStartWith("hk_");
        created.Error.ShouldContain("shown once");
        (await StatusWithAsync(secret)).ShouldBe(200);
        var listed = await server.RunAsync("keys", "list", "--json");
        listed.ExitCode.ShouldBe(0, listed.Error);
        listed.Output.ShouldNotContain(secret);
        var key = JsonNode.Parse(listed.Output)!["keys"]!.AsArray().Single(k => k!["name"]!.GetValue<string>() == name)!;
        var id = key["id"]!.GetValue<string>();
        key["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:read", "users:write"]);
        (await server.RunAsync("keys", "list")).Output.ShouldContain(name);

        var rotated = await server.RunAsync("keys", "rotate", id, "--overlap", "60");
        rotated.ExitCode.ShouldBe(0, rotated.Error);
        var fresh = rotated.Output.Trim();
        fresh.ShouldNotBe(secret);
        (await StatusWithAsync(fresh)).ShouldBe(200);
        (await StatusWithAsync(secret)).ShouldBe(200);

        var revoked = await server.RunAsync("keys", "revoke", id);
        revoked.ExitCode.ShouldBe(0, revoked.Error);
        revoked.Output.ShouldContain("revoked " + id);
        (await StatusWithAsync(fresh)).ShouldBe(401);
        (await StatusWithAsync(secret)).ShouldBe(401);
    }

    [Fact]
    public async Task Keys_CreateForAnotherEnvironment_ListedWithItAndUnknownOneRefused()
    {
        var name = CliServerFixture.NewId("cli-env-key");

        var refused = await server.RunAsync("keys", "create", "--name", name, "--scope", "notifications:read", "--environment", "env_missing");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("env_missing");
        var created = await server.RunAsync("keys", "create", "--name", name, "--scope", "notifications:read", "--environment", "env_default");
        created.ExitCode.ShouldBe(0, created.Error);

        var listed = await server.RunAsync("keys", "list", "--json");
        JsonNode.Parse(listed.Output)!["keys"]!.AsArray().Where(k => k!["name"]!.GetValue<string>() == name)
            .Select(k => k!["environment"]!.GetValue<string>()).ShouldBe(["env_default"]);
    }

    [Fact]
    public async Task Keys_CreateUnknownScope_PrintsTheProblemAndExits1()
    {
        var result = await server.RunAsync("keys", "create", "--name", "x", "--scope", "everything");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("unknown scope 'everything'");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Audit_AfterKeyCreateAndRevoke_ListsThemWithActorAsTableAndJson()
    {
        var (id, _) = await CreateKeyAsync();
        (await server.RunAsync("keys", "revoke", id)).ExitCode.ShouldBe(0);
        var admin = (await server.GetAsync("/api/v1/me"))["id"]!.GetValue<string>();

        var json = await server.RunAsync("audit", "--target", id, "--json");
        var table = await server.RunAsync("audit", "--action", "key.revoked", "--actor", admin);

        json.ExitCode.ShouldBe(0, json.Error);
        var entries = JsonNode.Parse(json.Output)!["entries"]!.AsArray();
        entries.Select(e => e!["action"]!.GetValue<string>()).ShouldBe(["key.revoked", "key.created"]);
        entries.ShouldAllBe(e => e!["actor"]!.GetValue<string>() == admin && e["target"]!.GetValue<string>() == id);
        table.ExitCode.ShouldBe(0, table.Error);
        table.Output.ShouldContain("key.revoked");
        table.Output.ShouldContain(id);
        table.Output.ShouldNotContain("key.created");
    }

    [Fact]
    public async Task Audit_SinceAndUntil_NarrowTheTimeRange()
    {
        var (id, _) = await CreateKeyAsync();

        var recent = await server.RunAsync("audit", "--target", id, "--since", "1h", "--json");
        var before = await server.RunAsync("audit", "--target", id, "--until", "2020-01-01T00:00:00Z");
        var after = await server.RunAsync("audit", "--target", id, "--since", "2099-01-01T00:00:00Z", "--json");

        recent.ExitCode.ShouldBe(0, recent.Error);
        JsonNode.Parse(recent.Output)!["entries"]!.AsArray().Count.ShouldBe(1);
        before.ExitCode.ShouldBe(0, before.Error);
        before.Output.ShouldContain("0 entries");
        JsonNode.Parse(after.Output)!["entries"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Audit_LimitAndCursor_PageThroughEveryEntryOnce()
    {
        var (id, _) = await CreateKeyAsync();
        for (var i = 0; i < 3; i++)
        {
            (await server.RunAsync("keys", "rotate", id, "--overlap", "60")).ExitCode.ShouldBe(0);
        }

        var first = JsonNode.Parse((await server.RunAsync("audit", "--target", id, "--limit", "3", "--json")).Output)!;
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = JsonNode.Parse((await server.RunAsync("audit", "--target", id, "--limit", "3", "--cursor", cursor, "--json")).Output)!;
        var all = JsonNode.Parse((await server.RunAsync("audit", "--target", id, "--limit", "1", "--all", "--json")).Output)!;
        var text = await server.RunAsync("audit", "--target", id, "--limit", "3");

        var paged = first["entries"]!.AsArray().Concat(second["entries"]!.AsArray()).Select(e => e!["id"]!.GetValue<string>()).ToList();
        paged.Count.ShouldBe(4);
        paged.ShouldBeUnique();
        all["entries"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ShouldBe(paged);
        all["next_cursor"].ShouldBeNull();
        text.Output.ShouldContain($"3 shown; more with --cursor {cursor}");
    }

    [Fact]
    public async Task Audit_UnknownAction_PrintsTheProblemAndExits1()
    {
        var result = await server.RunAsync("audit", "--action", "key.eaten");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("'key.eaten' is not an audited action");
        result.Output.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--until", "3w")]
    [InlineData("--limit", "501")]
    [InlineData("--limit", "0")]
    public async Task Audit_BadOption_IsAUsageError(string option, string value)
    {
        var result = await server.RunAsync("audit", option, value);

        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain(option);
        result.Output.ShouldBeEmpty();
    }

    /// <summary>A key made with the CLI: its id and secret (each test's own, so its audit entries are its own).</summary>
    private async Task<(string Id, string Secret)> CreateKeyAsync()
    {
        var name = CliServerFixture.NewId("cli-audit");
        var created = await server.RunAsync("keys", "create", "--name", name, "--scope", "notifications:read", "--json");
        created.ExitCode.ShouldBe(0, created.Error);
        var body = JsonNode.Parse(created.Output)!;
        return (body["key"]!["id"]!.GetValue<string>(), body["secret"]!.GetValue<string>());
    }

    private async Task<int> StatusWithAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Server, "/api/v1/templates"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        return (int)response.StatusCode;
    }

    private static async Task<CliRun> RunBinaryAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "herald.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
