using Herald.Core.Domain;
using Herald.Core.Pipeline;

namespace Herald.Core.Tests.Pipeline;

public class SignalsTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WaitAsync_Notified_CompletesBeforeTimeout()
    {
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var key = Signals.Lane(Channel.Sms, Priority.Normal);

        var wait = signals.WaitAsync(key, TimeSpan.FromMinutes(5), time, CancellationToken.None);
        wait.IsCompleted.ShouldBeFalse();
        signals.Notify(key);

        await wait.WaitAsync(Hang);
        wait.IsCompletedSuccessfully.ShouldBeTrue();
        time.GetUtcNow().ShouldBe(DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task WaitAsync_OtherKeyNotified_KeepsWaiting()
    {
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);

        var wait = signals.WaitAsync(Signals.Feed(Environments.Default, "u1"), TimeSpan.FromMinutes(5), time, CancellationToken.None);
        signals.Notify(Signals.Feed(Environments.Default, "u2"));
        await Task.Delay(50);

        wait.IsCompleted.ShouldBeFalse();
        signals.Notify(Signals.Feed(Environments.Default, "u1"));
        await wait.WaitAsync(Hang);
    }

    [Fact]
    public async Task WaitAsync_TimeoutPasses_ReturnsWithoutThrowing()
    {
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);

        var wait = signals.WaitAsync(Signals.Planner(Priority.Low), TimeSpan.FromSeconds(1), time, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        wait.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));

        await wait.WaitAsync(Hang);
        wait.IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public async Task WaitAsync_TimeoutPasses_NoExceptionRaisedOnTheWay()
    {
        // At idle every lane and worker times out about once a second: a thrown and caught TimeoutException each time was
        // most of a quiet server's dotnet_exceptions_total. Counted as first-chance exceptions raised with Signals on the stack.
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var raised = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is TimeoutException && new System.Diagnostics.StackTrace().ToString().Contains(nameof(Signals), StringComparison.Ordinal))
            {
                Interlocked.Increment(ref raised);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            var wait = signals.WaitAsync(Signals.Planner(Priority.Low), TimeSpan.FromSeconds(1), time, CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(1));
            await wait.WaitAsync(Hang);
            wait.IsCompletedSuccessfully.ShouldBeTrue();
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        raised.ShouldBe(0);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        var signals = new Signals();
        using var cts = new CancellationTokenSource();

        var wait = signals.WaitAsync(Signals.Feed(Environments.Default, "u1"), TimeSpan.FromMinutes(5), new FakeTimeProvider(DateTimeOffset.UnixEpoch), cts.Token);
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => wait.WaitAsync(Hang));
    }

    [Fact]
    public void Keys_DifferPerLanePlannerAndFeed()
    {
        string[] keys = [Signals.Lane(Channel.Sms, Priority.Normal), Signals.Lane(Channel.Sms, Priority.Urgent), Signals.Lane(Channel.Email, Priority.Normal),
            Signals.Planner(Priority.Normal), Signals.Feed(Environments.Default, "u1"), Signals.Feed("env_other", "u1")];

        keys.Distinct().Count().ShouldBe(6, "the same user id in two environments is two feeds");
        Signals.Feed(Environments.Default, "u1").ShouldBe("feed:env_default:u1");
        Signals.FeedOfKey(Signals.FeedKey("env_other", "u1")).ShouldBe(Signals.Feed("env_other", "u1"));
    }

    [Fact]
    public async Task Arm_NotifiedBeforeWait_WaitReturnsAtOnce()
    {
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var armed = signals.Arm(Signals.Relay(Priority.Low));
        var urgent = signals.Arm(Signals.Relay(Priority.Urgent));

        signals.Notify(Signals.Relay(Priority.Low));

        await Signals.WaitAsync(armed, TimeSpan.FromMinutes(5), time, CancellationToken.None).WaitAsync(Hang);
        signals.Arm(Signals.Relay(Priority.Low)).IsCompleted.ShouldBeFalse();
        urgent.IsCompleted.ShouldBeFalse("each priority's relay has its own signal: waking the low relay leaves the urgent one armed");
    }

    [Fact]
    public async Task NotifyAll_SeveralWaiters_WakesEveryOne()
    {
        var signals = new Signals();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var waits = new[] { Signals.Feed(Environments.Default, "u1"), Signals.Relay(Priority.Normal), Signals.Planner(Priority.Urgent) }
            .Select(k => signals.WaitAsync(k, TimeSpan.FromMinutes(5), time, CancellationToken.None)).ToList();

        signals.NotifyAll();

        await Task.WhenAll(waits).WaitAsync(Hang);
    }
}
