using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// Identifies one compiled template string: of a template version of one environment. <see cref="LocaleSource"/> is the
/// locale key the parts came from ("" for the default parts); <see cref="Path"/> is the part path inside the channel
/// ("subject", "payload.user.id"). <see cref="Stamp"/> names the text compiled in with it (the partials it uses and their
/// hashes, a layout's hash), so a changed partial or layout compiles again.
/// </summary>
internal readonly record struct TemplatePartKey(string EnvironmentId, string TemplateId, int Version, string LocaleSource, Channel Channel, string Path, string Stamp = "");
