using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>A notification whose render goes over budget fails that render (traced) and holds up nothing else; run on both modes.</summary>
public abstract class RenderBudgetWorkflowTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Plan_RenderOverBudget_TracesRenderFailedAndDeliversTheRestOfTheBatch()
    {
        var eventType = HeraldServerFixture.NewId("report.ready");
        await server.CreateTemplateAsync(eventType, new JsonObject
        {
            ["in_app"] = new JsonObject
            {
                ["title"] = "Report for {{name}}",
                ["body"] = "{{#each rows}}{{#each ../rows}}{{#each ../../rows}}{{#each ../../../rows}}x{{/each}}{{/each}}{{/each}}{{/each}}",
            },
        }, ["name"]);
        var users = Enumerable.Range(0, 6).Select(_ => HeraldServerFixture.NewId("user")).ToList();
        foreach (var user in users)
        {
            await server.PutUserAsync(user);
        }

        // One notification with 300 rows (300^4 steps), five with three; sent together so the planner takes them as one batch.
        var sends = users.Select((user, i) => server.SendAsync(new JsonObject
        {
            ["event_type"] = eventType, ["recipient_id"] = user,
            ["data"] = new JsonObject { ["name"] = user, ["rows"] = new JsonArray([.. Enumerable.Range(0, i == 0 ? 300 : 3).Select(r => (JsonNode?)JsonValue.Create(r))]) },
        })).ToList();
        var ids = await Task.WhenAll(sends);

        var bomb = await server.WaitForNotificationAsync(ids[0], n => n.Str("status") == "completed", Bound);
        bomb["deliveries"]!.AsArray().ShouldBeEmpty();
        bomb["trace"]!.AsArray().ShouldContain(t => t!.Str("reason").StartsWith("render failed at channels.in_app.body: render budget exceeded", StringComparison.Ordinal)
            && t!.Str("reason").Contains("Herald:Templates:MaxSteps", StringComparison.Ordinal));
        foreach (var (id, user) in ids.Zip(users).Skip(1))
        {
            await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", Bound);
            var feed = await server.GetFeedAsync(user);
            feed["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("body").ShouldBe(new string('x', 81));
        }
    }
}

public sealed class RenderBudgetWorkflowSqliteTests(HeraldServerFixture server) : RenderBudgetWorkflowTests(server), IClassFixture<HeraldServerFixture>;

[Collection(DistributedGroup.Name)]
public sealed class RenderBudgetWorkflowDistributedTests(DistributedServerFixture server) : RenderBudgetWorkflowTests(server);
