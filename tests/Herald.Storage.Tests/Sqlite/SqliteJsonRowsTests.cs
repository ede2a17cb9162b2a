using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// Values that travel to SQLite as one JSON array for a whole batch (<see cref="JsonRows"/>, read back with
/// <c>value ->> n</c> from <c>json_each</c>) arrive as the same value bound as a parameter would: text of any shape, a
/// lone surrogate (U+FFFD, as the driver writes it), numbers and NULL.
/// </summary>
public sealed class SqliteJsonRowsTests : SqliteFileTest
{
    public static TheoryData<string> Texts() => ["plain", "", "quote \" backslash \\ <a href=\"x\">&amp;</a> 'q'", "emoji 🚀 é ü 漢字", "line\nbreak\ttab\r\u0001", "nul \0 inside",
        "lone \ud800 high", "lone \udc00 low", "pair \ud83d\ude80 ok", "12345", "1e5", "null", "true", "{\"a\":1}", "[1,2]", new string('x', 100_000)];


    [Theory]
    [MemberData(nameof(Texts))]
    public async Task Text_ThroughJsonEach_SameValueAndTypeAsABoundParameter(string text)
    {
        var rows = JsonRows.Of([text, null], static (json, t) =>
        {
            json.Text(t);
            json.Number(t is null ? null : long.MaxValue);
        });

        var read = await Db.WriteAsync((c, tx) => c.Command("""
            SELECT value ->> 0, typeof(value ->> 0), value ->> 1, typeof(value ->> 1), $p, typeof($p) FROM json_each($rows) ORDER BY key
            """, tx).With("$rows", rows).With("$p", text).ReadAll(r => (Text: r.IsDBNull(0) ? null : r.GetString(0), TextType: r.GetString(1),
                Number: r.IsDBNull(2) ? (long?)null : r.GetInt64(2), NumberType: r.GetString(3), Bound: r.GetString(4), BoundType: r.GetString(5))), CancellationToken.None);

        read.Count.ShouldBe(2);
        read[0].Text.ShouldBe(read[0].Bound);
        read[0].TextType.ShouldBe("text");
        read[0].BoundType.ShouldBe("text");
        read[0].Number.ShouldBe(long.MaxValue);
        read[0].NumberType.ShouldBe("integer");
        read[1].Text.ShouldBeNull();
        read[1].TextType.ShouldBe("null");
        read[1].Number.ShouldBeNull();
    }
}
