using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Herald.Core.Tests.Webhooks;

/// <summary>Reads /work/shared/specs/standard-webhooks/vectors.json (the shared folder sits beside the repo root).</summary>
internal static class SignatureVectors
{
    private static readonly Lazy<JsonElement> Root = new(Load);

    public static JsonElement Tolerance => Root.Value.GetProperty("tolerance_seconds");

    public static IEnumerable<JsonElement> Section(string name) => Root.Value.GetProperty(name).EnumerateArray();

    public static JsonElement Find(string section, string name) =>
        Section(section).Single(vector => vector.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names(string section) => new(Section(section).Select(v => v.GetProperty("name").GetString()!));

    private static JsonElement Load()
    {
        string path = Path.Combine(FindRepoRoot(), "..", "shared", "specs", "standard-webhooks", "vectors.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    // Built into a private artifacts path the binaries live outside the repo, so fall back to this source file's folder.
    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile)! })
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
}
