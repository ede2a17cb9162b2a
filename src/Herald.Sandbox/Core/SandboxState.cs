
namespace Herald.Sandbox.Core;

/// <summary>What every vendor shares: settings, the message log, fault injection, callbacks and the clock.</summary>
public sealed class SandboxState(IConfiguration configuration, FaultInjector faults, CallbackClient callbacks, TimeProvider time)
{
    /// <summary>The whole configuration; vendors read their credentials from <c>Sandbox:&lt;Vendor&gt;</c>.</summary>
    public IConfiguration Configuration { get; } = configuration;

    public MessageLog Messages { get; } = new();

    public FaultInjector Faults { get; } = faults;

    public CallbackClient Callbacks { get; } = callbacks;

    public TimeProvider Time { get; } = time;

    /// <summary>Callback URLs set at run time through the admin API (<c>PUT /_sandbox/callbacks/{vendor}</c>), by vendor key.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> CallbackUrls { get; } = new(StringComparer.Ordinal);

    /// <summary>A vendor setting from <c>Sandbox:&lt;vendor&gt;:&lt;key&gt;</c>, or the default.</summary>
    public string Setting(string vendor, string key, string fallback) => Configuration[$"Sandbox:{vendor}:{key}"] is { Length: > 0 } v ? v : fallback;

    /// <summary>Where status callbacks for a vendor go: the admin-set URL, else <c>Sandbox:&lt;vendor&gt;:CallbackUrl</c>, else none.</summary>
    public string? CallbackUrl(string vendor) =>
        CallbackUrls.TryGetValue(vendor, out var url) ? url : Configuration[$"Sandbox:{vendor}:CallbackUrl"] is { Length: > 0 } v ? v : null;

    /// <summary>A vendor-style id: prefix plus 32 lower-case hex characters.</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");
}
