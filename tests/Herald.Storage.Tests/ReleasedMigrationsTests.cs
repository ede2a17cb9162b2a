using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests;

/// <summary>
/// A released migration has run on files and databases in the field; editing it changes nothing there (its version is
/// recorded as applied) and makes new installations differ from upgraded ones. These tests pin each released file's
/// content; a change to the schema is a new numbered migration.
/// </summary>
public sealed class ReleasedMigrationsTests
{
    /// <summary>Engine/version and SHA-256 of the content (line endings as LF). A new migration is added here when it ships.</summary>
    private static readonly Dictionary<string, string> Released = new(StringComparer.Ordinal)
    {
        ["postgres/001_initial"] = "aa5a2ba539d94ce4c3ebcce2b356bb6c93a4f5229a8eb1d1a32d5c5dc778b0f9",
        ["postgres/002_in_flight_index"] = "57b203ca0c576656bd4033ea408cdb0538c54d52b0bf0d9cf45d4231afed97b3",
        ["postgres/003_trace_parent"] = "e51b3c7140e5a737a097140192ca50dabe1ab6212afab81862e6845685794e62",
        ["postgres/004_operational_endpoints"] = "ae3d919ddd94ab0f2b136077b6b347222b14c3d74793015894ac9b0c0a44e7a3",
        ["postgres/005_workflows"] = "750d9519886ec31b538658615edefb5fdc42fdd4a6dec81049362e02cf87231d",
        ["postgres/006_notification_search"] = "849e5f6972ba6d46787c41bb9a3376dac41c0a88262c7b6756e737b016c4ab64",
        ["postgres/007_worker_nodes"] = "63c602c3d479fc8caabebc194375ddf3c9019a3cfcfbc9bba5e48e739917f336",
        ["postgres/008_retention_keeps_pending"] = "3cec371d53c25a00791427ec014558230db65a1ccdb8bac72ff34e4e9b79edfa",
        ["postgres/009_device_owner"] = "a8f63469590ae87f71e1f9cdaed50d7f6b9ca8519d4c2b54e5352a5d48cb8147",
        ["postgres/010_held_deliveries"] = "f9c9e21ba878f2341ab0a4bab5ada8806a207ac8341e6c9feb12e25b7c8fee94",
        ["postgres/011_delivery_lookups"] = "ecc9257969d6abdd78195673437018067c8de0927159ca15fdaeb7c65dc81907",
        ["postgres/012_delivery_confirmations"] = "8166b7971dff75e27a5dc79e42aa79f40569fd07fa58de8b007741a8e1a59d7d",
        ["postgres/013_callback_receipts"] = "59eef87b4c03ebcbf4a1903e230e3ead1380e3fb73fe7aec3d395167d4fdacc5",
        ["postgres/014_delivery_dedup_window"] = "c864858f5f1cb2018d8e8f0d42e3c42ce6cb06451b8969f3f649ec64ebfc17d5",
        ["postgres/015_throttled_order"] = "41088030cf32ac0aa0060dd04ea84630d1f0105f804c1469ba8fb0a3667a4d05",
        ["postgres/016_unconfirmed_email_sms"] = "3ccd18466e4df1dbce5b8a68d5d3f8de72831f4651cf4e6cab00eb165cc6288d",
        ["postgres/017_api_keys_lifecycle"] = "f9d1d2e01d6c19a46801c0ff54f18cf5f8f7b300c06a326f09a570622f76bfdb",
        ["postgres/018_audit_log"] = "433854b950b30fd7c31d5beb3abb8b0a9a1163a265e028429bab8a3d6c9b153b",
        ["postgres/019_api_key_limits"] = "49d58b4c6421699a61a397e3de98e0a931360ee773c91c0c8ff7d2ddd64dab5b",
        ["postgres/020_environments"] = "f9d2a615d727895859d94a808e9937dc5f483a018ad7a12d041be3151dad0e64",
        ["postgres/021_environments_users"] = "ea60991d22b11cfa9b1e851a7b28dcbf9a992f2ae984f4a3bbb5ec2f2a242b45",
        ["postgres/022_environments_content"] = "cc4fd2383249bec8b947075c7911ae779330d1e6a3b7ed1ef49d883fa9bdb4ce",
        ["postgres/023_delivery_environment"] = "5755e5b71abe5007a2edce8f6fab337e71d79096be9dfe1dd166c94184f27f50",
        ["postgres/024_template_library"] = "9369c207c17269a25fe5a04a827c7fa6996015467de6507b53ed58b80a2110b3",
        ["postgres/025_delivery_content_index"] = "fe29d3e9ae1cc0ad3d9bbb84e5c34f03bfdd1da394b5f1209f8aa4ba254ec6ff",
        ["sqlite/001_baseline"] = "8102743a992ae2002d5be8fd99d159e9bdbc0340cf2b0c5c79e5e12a30db9caa",
        ["sqlite/002_api_keys_lifecycle"] = "964120f720936928ba877d1b14f491f10904668c1ed7ce2401116a86d9a786eb",
        ["sqlite/003_audit_log"] = "7ae11275db29ca80857fddc307fa217d9e1b84236b4086adabe7dc81a95229f9",
        ["sqlite/004_api_key_limits"] = "f7479ce57663380cdaa570155b6e965b3be511e7ae5116e1d941bf45cd2f8ee8",
        ["sqlite/005_environments"] = "cd6593a6d642659263e45c245d6aecf6d1e5065db6c272011ff20de84ba0cf45",
        ["sqlite/006_environments_users"] = "59f24890d38bbf07e05a7ec5b5a0d0631c14a00f1f03e7317bef67bfb631872a",
        ["sqlite/007_environments_content"] = "3830150117faecb23bd6e25c30ee31bb25e0837e69aaec88cf946166a3082d76",
        ["sqlite/008_delivery_environment"] = "b2f29fbfa74c32a00f8c07fbf9ab4ad786c31129f8a5d1fc107d7f6ff6b8fec5",
        ["sqlite/009_template_library"] = "5a953c4b243453c1e11043265a5f8da51ee460f8384c3c410cb596e29a2b55ef",
        ["sqlite/010_delivery_content_index"] = "91b26250334f2cc5b828957a893b6738a538b482e41020391b0ce1025f7afaac",
    };

    [Fact]
    public void EmbeddedMigrations_Released_ContentUnchanged()
    {
        var embedded = Embedded();
        var edited = Released.Where(r => !embedded.TryGetValue(r.Key, out var hash) || hash != r.Value).Select(r => r.Key).ToList();

        edited.ShouldBeEmpty("a released migration was edited, renamed or removed: restore it and add a new numbered migration instead " +
            "(databases that applied it will never run it again)");
    }

    [Fact]
    public void EmbeddedMigrations_Every_ListedAsReleased()
    {
        var unlisted = Embedded().Where(e => !Released.ContainsKey(e.Key)).Select(e => $"[\"{e.Key}\"] = \"{e.Value}\"").ToList();

        unlisted.ShouldBeEmpty("a new migration: add it to ReleasedMigrationsTests.Released as it ships (from then on it is never edited)");
    }

    /// <summary>The two stores' embedded migration files, keyed engine/version, with their content's hash.</summary>
    private static Dictionary<string, string> Embedded()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (engine, assembly) in new[] { ("postgres", typeof(PostgresDatabase).Assembly), ("sqlite", typeof(SqliteDatabase).Assembly) })
        {
            var prefix = assembly.GetName().Name + ".Migrations.";
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
            {
                result[$"{engine}/{name[prefix.Length..^".sql".Length]}"] = Hash(assembly, name);
            }
        }

        return result;
    }

    private static string Hash(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
