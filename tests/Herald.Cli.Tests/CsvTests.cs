namespace Herald.Cli.Tests;

public sealed class CsvTests
{
    [Fact]
    public void Read_QuotedCommasQuotesAndLineBreaks_FollowRfc4180()
    {
        var text = "user_id,email,note\r\nu1,a@example.com,\"one, two\"\r\nu2,\"b@example.com\",\"say \"\"hi\"\"\"\nu3,,\"multi\nline\"\nu4,d@example.com,last";

        var records = Csv.Read(new StringReader(text)).ToList();

        records.Select(r => r.Line).ShouldBe([1, 2, 3, 4, 6]);
        records[1].Fields.ShouldBe(["u1", "a@example.com", "one, two"]);
        records[2].Fields.ShouldBe(["u2", "b@example.com", "say \"hi\""]);
        records[3].Fields.ShouldBe(["u3", "", "multi\nline"]);
        records[4].Fields.ShouldBe(["u4", "d@example.com", "last"]);
    }

    [Fact]
    public void Read_UnclosedQuote_IsAUsageError() =>
        Should.Throw<UsageException>(() => Csv.Read(new StringReader("id\n\"open")).ToList()).Message.ShouldContain("line 2");
}
