using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Herald.Core.Campaigns;
using Herald.Core.Domain;

namespace Herald.Storage.Tests;

/// <summary>
/// Store SQL names statuses only through the sets of <see cref="DeliveryStatus"/>, <see cref="NotificationStatus"/> and
/// <see cref="CampaignStatus"/>: a scan of both stores' sources finds no hand-written status list, and every status a
/// statement compares or writes is a known one.
/// </summary>
public sealed partial class StatusLiteralsTests
{
    [Fact]
    public void StoreSources_NoHandWrittenStatusList()
    {
        var lists = StoreSources().SelectMany(f => ListLiteral().Matches(f.Text).Select(m => $"{f.Name}: {m.Value}")).ToList();

        lists.ShouldBeEmpty("write status lists as {DeliveryStatus.Sql.…}, {NotificationStatus.Sql.…} or {CampaignStatus.Sql.…}");
    }

    [Fact]
    public void StoreSources_EveryStatusComparedOrWritten_AKnownStatus()
    {
        var known = Known();
        var found = StoreSources().SelectMany(f => StatusLiteral().Matches(f.Text).Select(m => (f.Name, Status: m.Groups["s"].Value))).ToList();

        found.Count.ShouldBeGreaterThan(20, "the scan finds the statements");
        found.Where(x => !known.Contains(x.Status)).Select(x => $"{x.Name}: '{x.Status}'").ShouldBeEmpty();
    }

    [Fact]
    public void ListLiteral_AHandWrittenList_Found()
    {
        ListLiteral().IsMatch("WHERE status IN ('queued', 'deferred')").ShouldBeTrue();
        ListLiteral().IsMatch("WHERE status IN {DeliveryStatus.Sql.Claimable}").ShouldBeFalse();
        StatusLiteral().Match("SET status = 'planned', x = 1").Groups["s"].Value.ShouldBe("planned");
    }

    // A digest bucket's state is the digests table's own, never on the wire: open, closed, or erased with its user.
    private static readonly string[] DigestBucketStatuses = ["open", "closed", "erased"];

    private static HashSet<string> Known() =>
        [.. new[] { typeof(DeliveryStatus), typeof(NotificationStatus), typeof(CampaignStatus) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!))
            .Concat(DigestBucketStatuses)];

    private static IEnumerable<(string Name, string Text)> StoreSources()
    {
        var root = RepoRoot();
        var files = new[] { "Herald.Storage.Sqlite", "Herald.Storage.Postgres", "Herald.Storage.Relational" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, "src", p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        files.Count.ShouldBeGreaterThan(20, "the scan finds the store sources");
        return files.Select(f => (Path.GetFileName(f), File.ReadAllText(f)));
    }

    // Built into a private artifacts path the binaries live outside the repo, so fall back to this source file's folder.
    private static string RepoRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile)! })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Herald.slnx not found above " + AppContext.BaseDirectory);
    }

    // Two or more quoted words in parentheses: ('a', 'b').
    [GeneratedRegex(@"\(\s*'[a-z_]+'(\s*,\s*'[a-z_]+')+\s*\)")]
    private static partial Regex ListLiteral();

    // A status compared or written: status = 'x', status <> 'x', d.status = 'x', tracked_status = 'x', s = 'x' (a CTE's status column).
    [GeneratedRegex(@"\b(status|s|t)\s*(=|<>|!=)\s*'(?<s>[a-z_]+)'")]
    private static partial Regex StatusLiteral();
}
