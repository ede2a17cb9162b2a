using System.Threading.Channels;
using Herald.Core.Tests.Observability;
using Herald.Core.Workers;

namespace Herald.Core.Tests.Workers;

public sealed class PollingWorkerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly WorkerBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    private readonly MetricsCapture _metrics = new();
    private readonly WatchedTime _time = new();

    [Fact]
    public async Task RunRoundAsync_Throws_IsLoggedCountedAndRetriedAfterTheBackoff()
    {
        using var worker = Worker(_ => throw new InvalidOperationException("store down"), _ => Task.FromResult(NextRound.In(TimeSpan.FromHours(1))));
        await worker.StartAsync(CancellationToken.None);

        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromSeconds(1));
        var failure = worker.Failures.ShouldHaveSingleItem();
        failure.Exception.Message.ShouldBe("store down");
        failure.RetryIn.ShouldBe(TimeSpan.FromSeconds(1));
        _metrics.Sum("herald.worker.failures|worker=test").ShouldBe(1);
        worker.Rounds.ShouldBe(1);

        _time.Advance(TimeSpan.FromSeconds(1));

        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromHours(1));
        worker.Rounds.ShouldBe(2);
        _metrics.Sum("herald.worker.failures|worker=test").ShouldBe(1);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RunRoundAsync_FailsInARow_BackoffDoublesUpToItsMax()
    {
        using var worker = Worker(_ => throw new InvalidOperationException("store down"));
        await worker.StartAsync(CancellationToken.None);

        var pauses = await PausesAsync(5);

        pauses.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)]);
        worker.Failures.Select(f => f.RetryIn).ShouldBe(pauses);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RunRoundAsync_SucceedsAfterFailures_BackoffStartsOver()
    {
        Func<CancellationToken, Task<NextRound>> fail = _ => throw new InvalidOperationException("store down");
        using var worker = Worker(fail, fail, fail, _ => Task.FromResult(NextRound.In(TimeSpan.FromSeconds(30))), fail);
        await worker.StartAsync(CancellationToken.None);

        var pauses = await PausesAsync(5);

        pauses.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)]);
        _metrics.Sum("herald.worker.failures|worker=test").ShouldBe(4);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StopAsync_DuringAPause_StopsPromptly()
    {
        using var worker = Worker(_ => Task.FromResult(NextRound.In(TimeSpan.FromHours(1))));
        await worker.StartAsync(CancellationToken.None);
        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromHours(1));

        await worker.StopAsync(CancellationToken.None).WaitAsync(Bound);

        worker.ExecuteTask!.IsCompletedSuccessfully.ShouldBeTrue();
        worker.Rounds.ShouldBe(1);
        worker.Failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task StopAsync_DuringARound_StopsWithoutCountingAFailure()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var worker = Worker(async ct =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return NextRound.Now;
        });
        await worker.StartAsync(CancellationToken.None);
        await started.Task.WaitAsync(Bound);

        await worker.StopAsync(CancellationToken.None).WaitAsync(Bound);

        worker.ExecuteTask!.IsCompletedSuccessfully.ShouldBeTrue();
        worker.Failures.ShouldBeEmpty();
        _metrics.Sum("herald.worker.failures|worker=test").ShouldBe(0);
    }

    [Fact]
    public async Task RunRoundAsync_AsksForAWakeUp_NextRoundStartsWhenWokenBeforeThePauseEnds()
    {
        var wakeUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var worker = Worker(_ => Task.FromResult(NextRound.InOrWhenWoken(TimeSpan.FromHours(1), wakeUp.Task)), _ => Task.FromResult(NextRound.In(TimeSpan.FromHours(2))));
        await worker.StartAsync(CancellationToken.None);
        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromHours(1));

        wakeUp.SetResult();

        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromHours(2));
        worker.Rounds.ShouldBe(2);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ExecuteAsync_FirstRoundAfterSet_WaitsItBeforeTheFirstRound()
    {
        using var worker = Worker(_ => Task.FromResult(NextRound.In(TimeSpan.FromHours(1))));
        worker.First = TimeSpan.FromSeconds(5);
        await worker.StartAsync(CancellationToken.None);

        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromSeconds(5));
        worker.Rounds.ShouldBe(0);
        _time.Advance(TimeSpan.FromSeconds(5));

        (await _time.NextPauseAsync()).ShouldBe(TimeSpan.FromHours(1));
        worker.Rounds.ShouldBe(1);
        await worker.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 5)]
    [InlineData(int.MaxValue, 5)]
    public void After_Failures_DoublesFromFirstUpToMax(int failures, int seconds)
    {
        Backoff.After(failures).ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Constant_AnyNumberOfFailures_PausesTheSame()
    {
        var backoff = WorkerBackoff.Constant(TimeSpan.FromMinutes(1));

        backoff.After(1).ShouldBe(TimeSpan.FromMinutes(1));
        backoff.After(10).ShouldBe(TimeSpan.FromMinutes(1));
    }

    public void Dispose() => _metrics.Dispose();

    /// <summary>The next <paramref name="count"/> pauses, each waited out on the fake clock but the last.</summary>
    private async Task<List<TimeSpan>> PausesAsync(int count)
    {
        var pauses = new List<TimeSpan> { await _time.NextPauseAsync() };
        while (pauses.Count < count)
        {
            _time.Advance(pauses[^1]);
            pauses.Add(await _time.NextPauseAsync());
        }

        return pauses;
    }

    /// <summary>Runs the rounds in order, then repeats the last one.</summary>
    private ScriptedWorker Worker(params Func<CancellationToken, Task<NextRound>>[] rounds) => new(rounds, _metrics, _time);

    private sealed class ScriptedWorker(Func<CancellationToken, Task<NextRound>>[] rounds, MetricsCapture metrics, TimeProvider time)
        : PollingWorker("test", metrics.Metrics, time)
    {
        private int _rounds;

        public int Rounds => Volatile.Read(ref _rounds);

        public List<(Exception Exception, TimeSpan RetryIn)> Failures { get; } = [];

        public TimeSpan First { get; set; }

        protected override TimeSpan FirstRoundAfter => First;

        protected override WorkerBackoff Backoff => PollingWorkerTests.Backoff;

        protected override Task<NextRound> RunRoundAsync(CancellationToken ct)
        {
            var round = Interlocked.Increment(ref _rounds);
            return rounds[Math.Min(round, rounds.Length) - 1](ct);
        }

        protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => Failures.Add((exception, retryIn));
    }

    /// <summary>A fake clock that tells the test each pause the worker starts (every pause is a timer), so it advances only once the worker waits.</summary>
    private sealed class WatchedTime() : FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero))
    {
        private readonly Channel<TimeSpan> _pauses = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _pauses.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task<TimeSpan> NextPauseAsync()
        {
            using var cts = new CancellationTokenSource(Bound);
            return await _pauses.Reader.ReadAsync(cts.Token);
        }
    }
}
