using System.Reflection;
using System.Runtime.CompilerServices;
using Herald.Core.Campaigns;
using Herald.Core.Domain;

namespace Herald.Core.Tests.Domain;

public sealed class StatusSetsTests
{
    private static string[] Constants(Type type) =>
        [.. type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    private static IEnumerable<(string Name, IReadOnlyList<string> Set)> Sets(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(IReadOnlyList<string>))
            .Select(f => (f.Name, (IReadOnlyList<string>)f.GetValue(null)!));

    private static IEnumerable<(string Name, string Sql)> SqlLists(Type type) =>
        type.GetNestedType("Sql")!.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral)
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!));

    private static string Render(IEnumerable<string> statuses) => "(" + string.Join(", ", statuses.Select(s => $"'{s}'")) + ")";

    [Theory]
    [InlineData(typeof(DeliveryStatus))]
    [InlineData(typeof(NotificationStatus))]
    public void All_EveryConstant_ListedOnceAndKnown(Type type)
    {
        var all = (IReadOnlyList<string>)type.GetField("All")!.GetValue(null)!;
        var isKnown = type.GetMethod("IsKnown")!;

        all.ShouldBe(Constants(type), ignoreOrder: true);
        all.Distinct().Count().ShouldBe(all.Count);
        all.ShouldAllBe(s => (bool)isKnown.Invoke(null, new object[] { s })!);
        ((bool)isKnown.Invoke(null, ["planned"])!).ShouldBeFalse();
        ((bool)isKnown.Invoke(null, [all[0].ToUpperInvariant()])!).ShouldBeFalse("statuses are compared exactly, as the stores do");
    }

    [Theory]
    [InlineData(typeof(DeliveryStatus))]
    [InlineData(typeof(NotificationStatus))]
    public void Sets_EveryNamedSet_OnlyKnownStatuses(Type type)
    {
        var constants = Constants(type);

        foreach (var (name, set) in Sets(type))
        {
            set.ShouldBeSubsetOf(constants, name);
            set.Distinct().Count().ShouldBe(set.Count, name);
        }
    }

    [Theory]
    [InlineData(typeof(DeliveryStatus))]
    [InlineData(typeof(NotificationStatus))]
    public void Sql_EveryList_RendersTheSetOfTheSameName(Type type)
    {
        var sets = Sets(type).ToDictionary(s => s.Name, s => s.Set);

        foreach (var (name, sql) in SqlLists(type))
        {
            sets.ShouldContainKey(name, $"{type.Name}.Sql.{name} has no set of the same name for code and the API");
            sql.ShouldBe(Render(sets[name]), $"{type.Name}.Sql.{name}");
        }
    }

    [Fact]
    public void Sql_CampaignLists_OnlyCampaignStatuses()
    {
        var constants = Constants(typeof(CampaignStatus));

        foreach (var (name, sql) in SqlLists(typeof(CampaignStatus)))
        {
            sql.Trim('(', ')').Split(", ").Select(s => s.Trim('\'')).ShouldBeSubsetOf(constants, name);
        }
    }

    [Fact]
    public void Terminal_EveryDeliveryStatus_ListedExactlyWhenIsTerminal()
    {
        DeliveryStatus.Terminal.ShouldBe(DeliveryStatus.All.Where(DeliveryStatus.IsTerminal), ignoreOrder: true);
    }

    [Fact]
    public void Blockers_FallbackTriggers_TheNamedSets()
    {
        Herald.Core.Storage.FallbackPlan.EndedBlockers.ShouldBe(
            [.. DeliveryStatus.Pending, DeliveryStatus.Folded, .. DeliveryStatus.SentOrBeyond], ignoreOrder: true);
        Herald.Core.Storage.FallbackPlan.DeadlineBlockers.ShouldBe(DeliveryStatus.SentOrBeyond);
    }

    [Fact]
    public void Kind_EveryOutcomeType_ItsStoredNameAndListed()
    {
        var types = typeof(DeliveryOutcome).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(DeliveryOutcome))).ToList();

        types.Count.ShouldBe(7);
        foreach (var type in types)
        {
            var kind = ((DeliveryOutcome)RuntimeHelpers.GetUninitializedObject(type)).Kind;
            // The name attempts stored before the kinds had one definition: the type's name in lower case.
            kind.ShouldBe(type.Name.ToLowerInvariant());
            OutcomeKind.All.ShouldContain(kind);
        }

        OutcomeKind.All.ShouldBe(Constants(typeof(OutcomeKind)), ignoreOrder: true);
    }

    [Fact]
    public void MetricLabel_InvalidTarget_KeepsItsLabel()
    {
        OutcomeKind.MetricLabel(OutcomeKind.InvalidTarget).ShouldBe("invalid_target");
        OutcomeKind.MetricLabel(OutcomeKind.Throttled).ShouldBe("throttled");
        OutcomeKind.MetricLabel(OutcomeKind.Sent).ShouldBe("sent");
    }
}
