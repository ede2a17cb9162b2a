using Herald.Core.Preferences;

namespace Herald.Core.Tests.Preferences;

public class PreferenceMatcherTests
{
    private static readonly PreferenceRule Everything = new("*", "*", Enabled: true);
    private static readonly PreferenceRule OrdersAnyChannel = new("order.*", "*", Enabled: false);
    private static readonly PreferenceRule ShippedAnyChannel = new("order.shipped", "*", Enabled: true, FrequencyCap: 3);

    [Fact]
    public void Match_ExactPrefixAndWildcardPresent_ExactWins()
    {
        var rules = new[] { Everything, OrdersAnyChannel, ShippedAnyChannel };

        PreferenceMatcher.Match(rules, "order.shipped", "email").ShouldBe(ShippedAnyChannel);
    }

    [Fact]
    public void Match_PrefixAndWildcardPresent_PrefixWins()
    {
        var rules = new[] { Everything, OrdersAnyChannel, ShippedAnyChannel };

        PreferenceMatcher.Match(rules, "order.cancelled", "push").ShouldBe(OrdersAnyChannel);
    }

    [Fact]
    public void Match_NoPatternMatches_WildcardWins()
    {
        var rules = new[] { OrdersAnyChannel, Everything };

        PreferenceMatcher.Match(rules, "invoice.paid", "sms").ShouldBe(Everything);
    }

    [Fact]
    public void Match_LongerAndShorterPrefixMatch_LongerWins()
    {
        var longer = new PreferenceRule("order.refund.*", "*", Enabled: true);
        var rules = new[] { longer, OrdersAnyChannel };

        PreferenceMatcher.Match(rules, "order.refund.issued", "email").ShouldBe(longer);
        PreferenceMatcher.Match(rules.Reverse().ToArray(), "order.refund.issued", "email").ShouldBe(longer);
    }

    [Fact]
    public void Match_PrefixPattern_MatchesDeeperNames()
    {
        PreferenceMatcher.Match([OrdersAnyChannel], "order.x.y", "push").ShouldBe(OrdersAnyChannel);
    }

    [Theory]
    [InlineData("orders.x")]
    [InlineData("order")]
    [InlineData("order.")]
    public void Match_NameOnlyResemblesPrefix_ReturnsNull(string eventType)
    {
        PreferenceMatcher.Match([OrdersAnyChannel], eventType, "push").ShouldBeNull();
    }

    [Fact]
    public void Match_SameEventSpecificity_NamedChannelBeatsWildcard()
    {
        var email = new PreferenceRule("order.shipped", "email", Enabled: false);
        var rules = new[] { ShippedAnyChannel, email };

        PreferenceMatcher.Match(rules, "order.shipped", "email").ShouldBe(email);
        PreferenceMatcher.Match(rules, "order.shipped", "push").ShouldBe(ShippedAnyChannel);
    }

    [Fact]
    public void Match_NamedChannelOnLessSpecificEvent_ExactEventWithWildcardChannelWins()
    {
        var ordersEmail = new PreferenceRule("order.*", "email", Enabled: false);
        var rules = new[] { ordersEmail, ShippedAnyChannel };

        PreferenceMatcher.Match(rules, "order.shipped", "email").ShouldBe(ShippedAnyChannel);
    }

    [Fact]
    public void Match_RuleForOtherChannelOnly_ReturnsNull()
    {
        var sms = new PreferenceRule("order.shipped", "sms", Enabled: false);

        PreferenceMatcher.Match([sms], "order.shipped", "push").ShouldBeNull();
    }

    [Fact]
    public void Match_EqualSpecificity_FirstRuleWins()
    {
        var first = new PreferenceRule("order.shipped", "push", Enabled: true);
        var second = new PreferenceRule("order.shipped", "push", Enabled: false);

        PreferenceMatcher.Match([first, second], "order.shipped", "push").ShouldBe(first);
    }

    [Fact]
    public void Match_InvalidPatternRule_IsIgnored()
    {
        var invalid = new PreferenceRule("order*", "*", Enabled: false);

        PreferenceMatcher.Match([invalid, Everything], "order*", "push").ShouldBe(Everything);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("order")]
    [InlineData("order.shipped")]
    [InlineData("order.*")]
    [InlineData("order.refund.*")]
    [InlineData("in_app-v2.Item9.created")]
    public void IsValidPattern_WellFormed_ReturnsTrue(string pattern)
    {
        PreferenceMatcher.IsValidPattern(pattern).ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData(".*")]
    [InlineData("order*")]
    [InlineData("order.*.shipped")]
    [InlineData("*.shipped")]
    [InlineData(".order")]
    [InlineData("order.")]
    [InlineData("order..shipped")]
    [InlineData("order shipped")]
    [InlineData("order/shipped")]
    [InlineData("**")]
    [InlineData("ordér")]
    public void IsValidPattern_Malformed_ReturnsFalse(string pattern)
    {
        PreferenceMatcher.IsValidPattern(pattern).ShouldBeFalse();
    }

    [Fact]
    public void DigestChoice_ExactAndPrefixChoose_ExactWins()
    {
        var rules = new[] { new PreferenceRule("post.*", "*", true, Digest: true), new PreferenceRule("post.liked", "*", true, Digest: false) };

        PreferenceMatcher.DigestChoice(rules, "post.liked").ShouldBe(false);
        PreferenceMatcher.DigestChoice(rules, "post.shared").ShouldBe(true);
    }

    [Fact]
    public void DigestChoice_MoreSpecificRuleWithoutChoice_BroaderChoiceStands()
    {
        var rules = new[] { new PreferenceRule("*", "*", true, Digest: true), new PreferenceRule("post.liked", "*", false) };

        PreferenceMatcher.DigestChoice(rules, "post.liked").ShouldBe(true);
    }

    [Fact]
    public void DigestChoice_OnlyChannelRulesOrNone_Null()
    {
        PreferenceMatcher.DigestChoice([new PreferenceRule("post.liked", "email", true, Digest: true)], "post.liked").ShouldBeNull();
        PreferenceMatcher.DigestChoice([Everything], "post.liked").ShouldBeNull();
    }
}
