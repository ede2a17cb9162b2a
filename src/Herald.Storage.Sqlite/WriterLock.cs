namespace Herald.Storage.Sqlite;

/// <summary>
/// The write lock of the single writer, with two queues: when the holder leaves, a waiting urgent writer goes before
/// any ordinary one (<see cref="Herald.Core.Storage.WritePriority"/>); within a queue, first come first served.
/// Urgent work is small and rare by nature, so ordinary writers are delayed, not starved, in practice.
/// </summary>
internal sealed class WriterLock
{
    private readonly object _gate = new();
    private readonly Queue<TaskCompletionSource> _urgent = new();
    private readonly Queue<TaskCompletionSource> _ordinary = new();
    private bool _held;

    public async Task EnterAsync(bool urgent, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (urgent ? _urgent : _ordinary).Enqueue(waiter);
        }

        // A cancelled waiter stays queued; Exit skips it (TrySetResult fails on a cancelled task).
        using (ct.Register(() => waiter.TrySetCanceled(ct)))
        {
            await waiter.Task;
        }
    }

    public void Exit()
    {
        lock (_gate)
        {
            while (_urgent.TryDequeue(out var next) || _ordinary.TryDequeue(out next))
            {
                if (next.TrySetResult())
                {
                    return; // Handed over: the lock stays held, by the next writer.
                }
            }

            _held = false;
        }
    }
}
