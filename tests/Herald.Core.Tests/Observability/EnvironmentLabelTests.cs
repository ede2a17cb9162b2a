using Herald.Core.Domain;
using Herald.Core.Observability;

namespace Herald.Core.Tests.Observability;

/// <summary>The environment label is bounded: the first environments a process sees keep their names, later ones count as "other".</summary>
public sealed class EnvironmentLabelTests
{
    [Fact]
    public void Counters_ManyEnvironments_FirstOnesNamedTheRestOther()
    {
        using var capture = new MetricsCapture();
        var metrics = capture.Metrics;

        for (var i = 0; i < HeraldMetrics.MaxEnvironmentLabels + 5; i++)
        {
            metrics.Delivery(Channel.Sms, "twilio", "sent", $"env_{i:D3}");
        }

        metrics.Delivery(Channel.Sms, "twilio", "sent", "env_000"); // named once, named again
        metrics.Suppressed(Channel.Email, "preference", "env_001");
        metrics.Accepted(Priority.Urgent, "env_999", 2);

        capture.Sum("herald.deliveries|channel=sms|environment=env_000|outcome=sent|provider=twilio").ShouldBe(2);
        capture.Sum($"herald.deliveries|channel=sms|environment=env_{HeraldMetrics.MaxEnvironmentLabels - 1:D3}|outcome=sent|provider=twilio").ShouldBe(1);
        capture.Sum($"herald.deliveries|channel=sms|environment=env_{HeraldMetrics.MaxEnvironmentLabels:D3}|outcome=sent|provider=twilio").ShouldBe(0);
        capture.Sum("herald.deliveries|channel=sms|environment=other|outcome=sent|provider=twilio").ShouldBe(5);
        capture.Sum("herald.suppressions|channel=email|environment=env_001|reason=preference").ShouldBe(1);
        capture.Sum("herald.notifications.accepted|environment=other|priority=urgent").ShouldBe(2);
    }
}
