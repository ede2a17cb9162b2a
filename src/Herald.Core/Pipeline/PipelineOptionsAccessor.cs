using Microsoft.Extensions.Options;

namespace Herald.Core.Pipeline;

/// <summary>The validated pipeline options, resolved once.</summary>
public sealed class PipelineOptionsAccessor(IOptions<PipelineOptions> options)
{
    public PipelineOptions Value { get; } = options.Value;
}
