using System.Threading.Channels;
using Herald.Core.Observability;
using Herald.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Herald.Core.Ingest;

/// <summary>
/// Group commit at ingest: concurrent requests join one transaction. The writer commits whatever has queued up while
/// the previous commit ran (up to <see cref="MaxRows"/> rows), so a lone request waits for one commit, and a crowd
/// shares one. Each request is answered only after the batch holding it is durable. The queue is bounded in notifications
/// (<see cref="Pipeline.PipelineOptions.IngestQueueCapacity"/>), not requests, so that the wait for a commit stays short
/// under overload and the excess is refused at once (503 with Retry-After) instead of queueing for seconds.
/// </summary>
public sealed class GroupCommitter(IIngestStore store, TimeProvider time, Pipeline.PipelineOptionsAccessor options, HeraldMetrics metrics) : BackgroundService
{
    public const int MaxRows = 256;

    private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity = options.Value.IngestQueueCapacity;
    private long _queued;

    /// <summary>Notifications waiting for a commit now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>
    /// Queues items for the next commit; null when the queue is full (the caller answers 503). A request larger than the
    /// whole capacity is still taken when nothing else waits, so the largest batch can always get through.
    /// </summary>
    public Task<IReadOnlyList<bool>>? TryEnqueue(IReadOnlyList<IngestItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var rows = Rows(items);
        var after = Interlocked.Add(ref _queued, rows);
        if (after > _capacity && after != rows)
        {
            Interlocked.Add(ref _queued, -rows);
            return null;
        }

        var job = new Job(items, rows, new TaskCompletionSource<IReadOnlyList<bool>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_queue.Writer.TryWrite(job))
        {
            return job.Done.Task;
        }

        Interlocked.Add(ref _queued, -rows);
        return null;
    }

    private static int Rows(IReadOnlyList<IngestItem> items)
    {
        var rows = 0;
        foreach (var item in items)
        {
            rows += Math.Max(1, item.Notifications.Count);
        }

        return rows;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        finally
        {
            // Stopping: refuse new work and fail what is queued (nothing of it was committed), so no request hangs.
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var job))
            {
                job.Done.TrySetException(new OperationCanceledException("Herald is stopping; the request was not accepted"));
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // A request waits for this commit, so it goes before background pipeline writes (a single-writer store).
        using var writes = WritePriority.Urgent();
        var batch = new List<Job>();
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            var rows = 0;
            while (rows < MaxRows && _queue.Reader.TryRead(out var job))
            {
                batch.Add(job);
                rows += job.Rows;
            }

            try
            {
                await CommitAsync(batch, stoppingToken);
            }
            finally
            {
                Interlocked.Add(ref _queued, -rows);
            }
        }
    }

    private async Task CommitAsync(List<Job> batch, CancellationToken ct)
    {
        try
        {
            // A request is the unit of isolation, not a row: a batch send's rows stand or fall together. Each part is
            // answered as soon as it is durable, so a later failure cannot turn a committed request into an error.
            var (_, refusals) = await BatchIsolation.WriteAsync<Job, bool>(batch, async jobs =>
            {
                var all = jobs.SelectMany(j => j.Items).ToList();
                var results = await store.AcceptAsync(all, time.GetUtcNow(), ct);
                CountAccepted(all, results);
                var offset = 0;
                foreach (var job in jobs)
                {
                    job.Done.TrySetResult(results.Skip(offset).Take(job.Items.Count).ToList());
                    offset += job.Items.Count;
                }

                return new bool[jobs.Count];
            });

            for (var i = 0; i < batch.Count; i++)
            {
                if (refusals[i] is { } reason)
                {
                    // Only this request's data was refused: it alone gets the error (a 4xx), the others of its batch committed.
                    batch[i].Done.TrySetException(new StoreDataException(reason));
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing of these requests was committed (the database failed, not their data); each gets the error (a 5xx),
            // none a false 202. Requests of a part that committed before were answered already and keep their answer.
            foreach (var job in batch)
            {
                job.Done.TrySetException(ex);
            }
        }
    }

    private void CountAccepted(List<IngestItem> items, IReadOnlyList<bool> stored)
    {
        // A batch is usually one priority of one environment: one counter update per run of the same pair, not per
        // notification, and nothing allocated per commit.
        var (priority, environment, count) = (Domain.Priority.Normal, "", 0);
        for (var i = 0; i < items.Count; i++)
        {
            if (!stored[i])
            {
                continue;
            }

            foreach (var n in items[i].Notifications)
            {
                // Lifecycle events ride along with the notification they report; they are not accepted sends.
                if (Lifecycle.LifecycleEvents.IsOperational(n.RecipientId))
                {
                    continue;
                }

                if (count > 0 && (n.Priority != priority || !string.Equals(n.EnvironmentId, environment, StringComparison.Ordinal)))
                {
                    metrics.Accepted(priority, environment, count);
                    count = 0;
                }

                (priority, environment) = (n.Priority, n.EnvironmentId);
                count++;
            }
        }

        if (count > 0)
        {
            metrics.Accepted(priority, environment, count);
        }
    }

    private sealed record Job(IReadOnlyList<IngestItem> Items, int Rows, TaskCompletionSource<IReadOnlyList<bool>> Done);
}
