namespace Herald.Server.Api;

/// <summary>Settings under <c>Herald:Ingest</c>: limits on what one send request may make Herald store.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Herald:Ingest";

    /// <summary>
    /// Most bytes of <c>data</c> one request may expand into: every notification row holds its own copy, so a batch
    /// (or a campaign's recipient list) stores recipients × serialized data size. Beyond it the request is refused with
    /// 413 before anything is stored. Default 64 MiB: a 10,000-recipient batch with up to ~6.5 KiB of data each, while
    /// one request can no longer turn a 256 KiB body into gigabytes on disk.
    /// </summary>
    public long MaxBatchExpandedBytes { get; set; } = 64L * 1024 * 1024;
}
