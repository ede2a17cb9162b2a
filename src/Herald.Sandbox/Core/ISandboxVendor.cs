
namespace Herald.Sandbox.Core;

/// <summary>
/// One vendor's wire API. Vendors are found by reflection (every non-abstract implementation with a constructor taking
/// <see cref="SandboxState"/>), so adding a vendor is adding a file under Vendors/.
/// </summary>
public interface ISandboxVendor
{
    /// <summary>The key used by the admin API and the message log (<c>twilio</c>, <c>sendgrid</c>, ...).</summary>
    string Key { get; }

    /// <summary>Maps the vendor's endpoints (and any vendor-specific admin endpoints under <c>/_sandbox/{Key}/</c>).</summary>
    void Map(IEndpointRouteBuilder app);

    /// <summary>An error answer in the vendor's own body format, used by fault injection.</summary>
    IResult ErrorResult(int status, string? code, string message);
}
