using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>A server of its own, so the database size compared before and after a refusal is this class's alone.</summary>
public sealed class BatchExpansionServerFixture : HeraldServerFixture;

/// <summary>A server with a tiny expansion cap, to show the setting is read.</summary>
public sealed class SmallBatchCapServerFixture : HeraldServerFixture
{
    public const long Cap = 1000;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Ingest:MaxBatchExpandedBytes"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Each notification copies the request's data, so the expanded size of a batch is capped before anything is stored.</summary>
public sealed class BatchExpansionTests(BatchExpansionServerFixture server) : IClassFixture<BatchExpansionServerFixture>
{
    private const long DefaultCap = 64L * 1024 * 1024;

    [Fact]
    public async Task Batch_FiveThousandRecipientsWith190KbData_Returns413AndStoresNothing()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var prefix = Guid.NewGuid().ToString("N")[..6];
        var users = Enumerable.Range(0, 5_000).Select(i => $"{prefix}{i}").ToArray();
        var sizeBefore = DatabaseBytes();

        using var response = await server.Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode?)u)]),
            ["data"] = new JsonObject { ["name"] = "x", ["blob"] = new string('x', 190_000) },
        });

        using var problem = await response.ShouldBeProblemAsync(413, "batch-too-large");
        problem.RootElement.GetProperty("limit").GetInt64().ShouldBe(DefaultCap);
        problem.RootElement.GetProperty("expanded_bytes").GetInt64().ShouldBeGreaterThan(5_000L * 190_000);
        problem.Detail().ShouldContain("Herald:Ingest:MaxBatchExpandedBytes");
        problem.Detail().ShouldContain(DefaultCap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await server.ListNotificationsAsync(users[0])).Count.ShouldBe(0);
        (await server.ListNotificationsAsync(users[^1])).Count.ShouldBe(0);
        // Stored, the batch would be ~1 GB; a refusal may at most touch a page or two of the WAL.
        (DatabaseBytes() - sizeBefore).ShouldBeLessThan(1024 * 1024);
    }

    [Fact]
    public async Task Batch_TenThousandRecipientsWith1KbData_AcceptsAll()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var prefix = Guid.NewGuid().ToString("N")[..6];
        var users = Enumerable.Range(0, 10_000).Select(i => $"{prefix}{i}").ToArray();

        // Scheduled ahead so the test measures the accepted write, not 10,000 notifications planned on a shared machine.
        using var response = await server.Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode?)u)]),
            ["data"] = new JsonObject { ["name"] = new string('n', 1_000) }, ["scheduled_at"] = DateTimeOffset.UtcNow.AddHours(1),
        });

        (await response.ShouldHaveStatusAsync(202))["accepted"]!.GetValue<int>().ShouldBe(10_000);
        (await server.ListNotificationsAsync(users[0])).Count.ShouldBe(1);
        (await server.ListNotificationsAsync(users[^1])).Count.ShouldBe(1);
    }

    [Fact]
    public async Task OpenApi_RequestsThatExpandPerRecipient_DocumentThe413()
    {
        using var anonymous = server.CreateClient();

        var paths = (await anonymous.GetJsonAsync("/openapi/v1.json"))["paths"]!;

        foreach (var path in new[] { "/api/v1/notifications/batch", "/api/v1/campaigns", "/api/v1/campaigns/{id}/recipients" })
        {
            paths[path]!["post"]!["responses"]!.AsObject().ContainsKey("413").ShouldBeTrue(path);
        }
    }

    private long DatabaseBytes() =>
        new[] { "", "-wal" }.Select(s => new FileInfo(server.DatabasePath + s)).Where(f => f.Exists).Sum(f => f.Length);
}

/// <summary>The cap is a setting, and it holds for campaigns, whose release copies the data into each recipient's notification.</summary>
public sealed class BatchExpansionCapTests(SmallBatchCapServerFixture server) : IClassFixture<SmallBatchCapServerFixture>
{
    private static readonly JsonObject Data600 = new() { ["name"] = new string('n', 600) };

    [Fact]
    public async Task Batch_OverConfiguredCap_Returns413NamingTheLimit()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var users = new[] { HeraldServerFixture.NewId("user"), HeraldServerFixture.NewId("user") };

        using var response = await server.Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode?)u)]), ["data"] = Data600.DeepClone(),
        });

        using var problem = await response.ShouldBeProblemAsync(413, "batch-too-large");
        problem.RootElement.GetProperty("limit").GetInt64().ShouldBe(SmallBatchCapServerFixture.Cap);
        problem.RootElement.GetProperty("recipients").GetInt32().ShouldBe(2);
        (await server.ListNotificationsAsync(users[0])).Count.ShouldBe(0);
    }

    [Fact]
    public async Task Batch_UnderConfiguredCap_Accepts()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        using var response = await server.Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray(HeraldServerFixture.NewId("user")), ["data"] = Data600.DeepClone(),
        });

        (await response.ShouldHaveStatusAsync(202))["accepted"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task CreateCampaign_RecipientsTimesDataOverCap_Returns413AndCreatesNothing()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        using var response = await server.Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["event_type"] = template, ["data"] = Data600.DeepClone(), ["channels"] = new JsonArray("in_app"),
            ["recipient_ids"] = new JsonArray(HeraldServerFixture.NewId("user"), HeraldServerFixture.NewId("user")), ["rate"] = 10,
            ["scheduled_at"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        });

        using var problem = await response.ShouldBeProblemAsync(413, "batch-too-large");
        problem.RootElement.GetProperty("limit").GetInt64().ShouldBe(SmallBatchCapServerFixture.Cap);
    }

    [Fact]
    public async Task AddCampaignRecipients_RecipientsTimesDataOverCap_Returns413()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        using var created = await server.Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["event_type"] = template, ["data"] = Data600.DeepClone(), ["channels"] = new JsonArray("in_app"),
            ["recipient_ids"] = new JsonArray(HeraldServerFixture.NewId("user")), ["rate"] = 10,
            ["scheduled_at"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        });
        var id = (await created.ShouldHaveStatusAsync(201)).Str("id");

        using var response = await server.Client.PostJsonAsync($"/api/v1/campaigns/{id}/recipients", new JsonObject
        {
            ["recipient_ids"] = new JsonArray(HeraldServerFixture.NewId("user"), HeraldServerFixture.NewId("user")),
        });

        using var problem = await response.ShouldBeProblemAsync(413, "batch-too-large");
        problem.RootElement.GetProperty("recipients").GetInt32().ShouldBe(2);
        (await server.Client.GetJsonAsync($"/api/v1/campaigns/{id}"))["progress"]!["total"]!.GetValue<long>().ShouldBe(1);
    }
}
