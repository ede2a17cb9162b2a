namespace Herald.Core.Domain;

/// <summary>
/// What a provider said when asked for the current status of one message it accepted (by the id it gave us), for a
/// delivery that is <c>sent</c> but was never confirmed by a status callback.
/// </summary>
public abstract record ProviderStatusAnswer
{
    private ProviderStatusAnswer()
    {
    }

    /// <summary>This provider cannot be asked (no status API, no message id, or it is no longer configured).</summary>
    public static readonly ProviderStatusAnswer CannotAsk = new CannotAskAnswer();

    /// <summary>The provider has no such message (deleted, or another account).</summary>
    public static readonly ProviderStatusAnswer NotFound = new NotFoundAnswer();

    /// <summary>It reached the recipient.</summary>
    public sealed record Delivered(string Detail) : ProviderStatusAnswer;

    /// <summary>It will not reach the recipient; <paramref name="Permanent"/> when no resend can fix it.</summary>
    public sealed record Failed(string Detail, bool Permanent) : ProviderStatusAnswer;

    /// <summary>Still on its way (queued, sending, sent to the carrier): ask again later.</summary>
    public sealed record Pending(string Detail) : ProviderStatusAnswer;

    /// <summary>The provider can be asked, but this time it did not answer (5xx, timeout, network, unreadable): ask again later.</summary>
    public sealed record Unanswered(string Detail) : ProviderStatusAnswer;

    public sealed record CannotAskAnswer : ProviderStatusAnswer;

    public sealed record NotFoundAnswer : ProviderStatusAnswer;
}
