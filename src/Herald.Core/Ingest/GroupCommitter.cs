using System.Threading.Channels;
using Herald.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Herald.Core.Ingest;

/// <summary>
/// Group commit at ingest: concurrent requests join one transaction. The writer commits whatever has queued up while
/// the previous commit ran (up to <see cref="MaxRows"/> rows), so a lone request waits for one commit, and a crowd
/// shares one. Each request is answered only after the batch holding it is durable.
/// </summary>
public sealed class GroupCommitter(IIngestStore store, TimeProvider time, Pipeline.PipelineOptionsAccessor options) : BackgroundService
{
    public const int MaxRows = 256;

    private readonly Channel<Job> _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(options.Value.IngestQueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Queues items for the next commit; null when the queue is full (the caller answers 503).</summary>
    public Task<IReadOnlyList<bool>>? TryEnqueue(IReadOnlyList<IngestItem> items)
    {
        var job = new Job(items, new TaskCompletionSource<IReadOnlyList<bool>>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(job) ? job.Done.Task : null;
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
        var batch = new List<Job>();
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            var rows = 0;
            while (rows < MaxRows && _queue.Reader.TryRead(out var job))
            {
                batch.Add(job);
                rows += job.Items.Sum(i => Math.Max(1, i.Notifications.Count));
            }

            await CommitAsync(batch, stoppingToken);
        }
    }

    private async Task CommitAsync(List<Job> batch, CancellationToken ct)
    {
        var all = batch.SelectMany(j => j.Items).ToList();
        try
        {
            var results = await store.AcceptAsync(all, time.GetUtcNow(), ct);
            var offset = 0;
            foreach (var job in batch)
            {
                job.Done.TrySetResult(results.Skip(offset).Take(job.Items.Count).ToList());
                offset += job.Items.Count;
            }
        }
        catch (Exception ex)
        {
            // Nothing of this batch was committed; every request in it gets the error (a 5xx), none a false 202.
            foreach (var job in batch)
            {
                job.Done.TrySetException(ex);
            }
        }
    }

    private sealed record Job(IReadOnlyList<IngestItem> Items, TaskCompletionSource<IReadOnlyList<bool>> Done);
}
