using Herald.Core.Domain;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>Trace entries written in one statement (json_each) come back as given, in order, whatever their text holds.</summary>
public sealed class SqliteTraceAllTests : SqliteFileTest
{
    [Fact]
    public async Task TraceAll_ManyEntries_StoredInOrderWithNullChannelQuotesUnicodeAndNul()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var entries = new List<TraceEntry>
        {
            new("ntf_a", at, "plan", null, "planned", "2 channels"),
            new("ntf_a", at.AddMilliseconds(1), "dispatch", "sms", "sent", "quote \" backslash \\ emoji 🚀 newline\nend"),
            new("ntf_b", at, "dispatch", "email", "failed", "nul \0 inside"),
        };

        await Db.WriteAsync((c, tx) => SqliteRows.TraceAll(c, tx, entries), CancellationToken.None);

        entries.ShouldBeEmpty();
        await using var read = await Db.OpenReadAsync(CancellationToken.None);
        await using var command = read.CreateCommand();
        command.CommandText = "SELECT notification_id, at, stage, channel, decision, reason FROM trace ORDER BY id";
        var rows = new List<TraceEntry>();
        await using (var r = await command.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                rows.Add(new TraceEntry(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5)));
            }
        }

        rows.Count.ShouldBe(3);
        rows[0].ShouldBe(new TraceEntry("ntf_a", at, "plan", null, "planned", "2 channels"));
        rows[1].Reason.ShouldBe("quote \" backslash \\ emoji 🚀 newline\nend");
        rows[2].NotificationId.ShouldBe("ntf_b");
        rows[2].Reason.ShouldStartWith("nul ");
    }
}
