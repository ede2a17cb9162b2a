namespace Herald.Core.Templates;

/// <summary>
/// The steps, output and time left to one render. Handlebars renders synchronously on the calling thread, so the budget
/// of the render in progress is found through a thread-static (the compiled templates are shared and cannot carry it).
/// </summary>
/// <remarks>
/// Output is counted exactly where it reaches the render's own writer (<see cref="BoundedWriter"/>). Handlebars buffers
/// an indented partial's output in a string of its own before copying it out, where no writer of ours sees it; so every
/// step also checks what this thread has allocated since the render began, which bounds that buffer too.
/// </remarks>
internal sealed class RenderBudget
{
    /// <summary>Bytes a render may allocate per output character allowed (output, its copies and the engine's frames).</summary>
    internal const int AllocationPerOutputChar = 32;

    // The clock and the allocation counter are read every few steps: cheap, but not free, and a step is a few nanoseconds.
    private const int CheckEvery = 64;

    [ThreadStatic]
    private static RenderBudget? t_current;

    private readonly TemplateRenderOptions _limits;
    private readonly TimeProvider _time;
    private readonly long _allocationCeiling;
    private long _steps;
    private long _output;

    // Time and allocations are counted only while a part renders (inside Enter), not while the next part compiles.
    private TimeSpan _spent;
    private long _allocated;
    private long _enteredAt;
    private long _allocatedAtEntry;

    public RenderBudget(TemplateRenderOptions limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        _allocationCeiling = Math.Max(64L << 20, (long)limits.MaxOutputChars * AllocationPerOutputChar);
    }

    /// <summary>Makes this the budget of renders on this thread until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        var scope = new Scope(this, t_current);
        _enteredAt = _time.GetTimestamp();
        _allocatedAtEntry = GC.GetAllocatedBytesForCurrentThread();
        t_current = this;
        return scope;
    }

    /// <summary>Called by every compiled template body (see <see cref="BudgetMiddleware"/>); a no-op outside a render.</summary>
    public static void Tick() => t_current?.Step();

    public void Step()
    {
        if (++_steps > _limits.MaxSteps)
        {
            throw new RenderBudgetExceededException($"the render took more than {_limits.MaxSteps} steps", nameof(TemplateRenderOptions.MaxSteps));
        }

        if (_steps % CheckEvery == 0)
        {
            CheckTimeAndMemory();
        }
    }

    /// <summary>Counts <paramref name="chars"/> about to be written; throws before they would pass the output budget.</summary>
    public void Write(long chars)
    {
        _output += chars;
        if (_output > _limits.MaxOutputChars)
        {
            throw new RenderBudgetExceededException($"the render produced more than {_limits.MaxOutputChars} characters", nameof(TemplateRenderOptions.MaxOutputChars));
        }
    }

    private void CheckTimeAndMemory()
    {
        if (_spent + _time.GetElapsedTime(_enteredAt) > _limits.Timeout)
        {
            throw new RenderBudgetExceededException($"the render took longer than {_limits.Timeout.TotalMilliseconds:0} ms", nameof(TemplateRenderOptions.Timeout));
        }

        if (_allocated + GC.GetAllocatedBytesForCurrentThread() - _allocatedAtEntry > _allocationCeiling)
        {
            throw new RenderBudgetExceededException($"the render produced more than {_limits.MaxOutputChars} characters (buffered)", nameof(TemplateRenderOptions.MaxOutputChars));
        }
    }

    private void Leave(RenderBudget? previous)
    {
        _spent += _time.GetElapsedTime(_enteredAt);
        _allocated += GC.GetAllocatedBytesForCurrentThread() - _allocatedAtEntry;
        t_current = previous;
    }

    internal readonly struct Scope(RenderBudget budget, RenderBudget? previous) : IDisposable
    {
        public void Dispose() => budget.Leave(previous);
    }
}

/// <summary>A render went over its budget; <see cref="Setting"/> names the <c>Herald:Templates</c> setting.</summary>
internal sealed class RenderBudgetExceededException(string message, string setting) : Exception(message)
{
    public string Setting { get; } = setting;
}
