using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class BatchEndpointTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Batch_ThreeRecipients_FansOutOneNotificationEach()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var users = Enumerable.Range(0, 3).Select(_ => HeraldServerFixture.NewId("user")).ToArray();

        using var response = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode?)u)]), ["data"] = new JsonObject { ["name"] = "all" },
        });

        var body = await response.ShouldHaveStatusAsync(202);
        body.Str("batch_id").ShouldStartWith("bat_");
        body["accepted"]!.GetValue<int>().ShouldBe(3);
        body.Str("status").ShouldBe("accepted");
        foreach (var user in users)
        {
            var notification = (await server.ListNotificationsAsync(user)).ShouldHaveSingleItem()!;
            notification.Str("event_type").ShouldBe(template);
            await server.WaitForCompletedAsync(notification.Str("id"));
            (await server.GetFeedAsync(user))["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("title").ShouldBe("Hello all");
        }
    }

    [Fact]
    public async Task Batch_DuplicateRecipientIds_AcceptsEachRecipientOnce()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var a = HeraldServerFixture.NewId("user");
        var b = HeraldServerFixture.NewId("user");

        using var response = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray(a, b, a), ["data"] = new JsonObject { ["name"] = "dup" },
        });

        (await response.ShouldHaveStatusAsync(202))["accepted"]!.GetValue<int>().ShouldBe(2);
        (await server.ListNotificationsAsync(a)).Count.ShouldBe(1);
        (await server.ListNotificationsAsync(b)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Batch_SameIdempotencyKeyTwice_ReplaysAndKeepsOneNotificationPerRecipient()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var users = new[] { HeraldServerFixture.NewId("user"), HeraldServerFixture.NewId("user") };
        var request = new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode?)u)]), ["data"] = new JsonObject { ["name"] = "once" },
            ["idempotency_key"] = HeraldServerFixture.NewId("batch-key"),
        };

        using var first = await Client.PostJsonAsync("/api/v1/notifications/batch", request);
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await Client.PostJsonAsync("/api/v1/notifications/batch", request);

        ((int)first.StatusCode).ShouldBe(202, firstBody);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await second.ShouldHaveStatusAsync(202)).ToJsonString().ShouldBe(JsonNode.Parse(firstBody)!.ToJsonString());
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        foreach (var user in users)
        {
            (await server.ListNotificationsAsync(user)).Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Batch_PerRecipientKeyDerivedFromBatchKey_IsTakenForEachRecipient()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var key = HeraldServerFixture.NewId("batch-key");
        using (var batch = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray(user), ["data"] = new JsonObject { ["name"] = "x" }, ["idempotency_key"] = key,
        }))
        {
            await batch.ShouldHaveStatusAsync(202);
        }

        // The batch stored "<key>:<recipient>" for its recipient, so a single send reusing that key with another body is refused.
        using var single = await Client.PostJsonAsync("/api/v1/notifications", new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "x" }, ["idempotency_key"] = $"{key}:{user}",
        });

        await single.ShouldBeProblemAsync(422, "idempotency-key-reused", "idempotency_key");
        (await server.ListNotificationsAsync(user)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Batch_MoreThan10000Recipients_Returns400NamingRecipientIdsAndStoresNothing()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var ids = new JsonArray([.. Enumerable.Range(0, 10_001).Select(i => (JsonNode?)$"{prefix}{i}")]);

        using var response = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = ids, ["data"] = new JsonObject { ["name"] = "too many" },
        });

        var problem = await response.ShouldBeProblemAsync(400, "validation", "recipient_ids");
        problem.ErrorFor("recipient_ids").ShouldContain("10001");
        (await server.ListNotificationsAsync($"{prefix}0")).ShouldBeEmpty();
        (await server.ListNotificationsAsync($"{prefix}10000")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Batch_Exactly10000Recipients_IsAccepted()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "bulk" } });
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var ids = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode?)$"{prefix}{i}")]);

        using var response = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = ids, ["priority"] = "low", ["scheduled_at"] = DateTimeOffset.UtcNow.AddDays(1),
        });

        var body = await response.ShouldHaveStatusAsync(202);
        body["accepted"]!.GetValue<int>().ShouldBe(10_000);
        body.Str("status").ShouldBe("scheduled");
        (await server.ListNotificationsAsync($"{prefix}9999")).ShouldHaveSingleItem()!.Str("status").ShouldBe("scheduled");
    }

    [Fact]
    public async Task Batch_EmptyRecipientIds_Returns400NamingRecipientIds()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        using var response = await Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = template, ["recipient_ids"] = new JsonArray(), ["data"] = new JsonObject { ["name"] = "x" },
        });

        await response.ShouldBeProblemAsync(400, "validation", "recipient_ids");
    }
}
