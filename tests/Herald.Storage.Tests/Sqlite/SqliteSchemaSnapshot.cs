using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// A SQLite file's schema as comparable lines: every <c>sqlite_master</c> entry with its SQL normalized, and every
/// table's <c>pragma table_info</c> in column order (name, type, not null, default, primary key position).
/// </summary>
/// <remarks>
/// Normalized: whitespace collapsed, quotes dropped (a renamed table's SQL names it quoted), and a table's column and
/// constraint definitions sorted, because <c>ALTER TABLE ADD COLUMN</c> appends its text after the table constraints
/// where a new file has it before them. Column order itself is compared through <c>table_info</c>, unless
/// <c>columnOrder</c> is false: a column added in the middle of a table's CREATE text after a release (deliveries.dedup_ms,
/// after confirm_lookups had shipped) can only be appended to that release's files. No store statement depends on column
/// order (none uses <c>SELECT *</c> or an INSERT without a column list).
/// </remarks>
internal static partial class SqliteSchemaSnapshot
{
    public static async Task<List<string>> ReadAsync(string path, bool columnOrder = true)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        await c.OpenAsync();
        var lines = new List<string>();
        var tables = new List<string>();
        await using (var master = c.CreateCommand())
        {
            master.CommandText = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
            await using var r = await master.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var (type, name, sql) = (r.GetString(0), r.GetString(1), r.IsDBNull(3) ? "" : r.GetString(3));
                lines.Add($"{type} {name} on {r.GetString(2)}: {(type == "table" ? NormalizeTable(sql) : Normalize(sql))}");
                if (type == "table")
                {
                    tables.Add(name);
                }
            }
        }

        foreach (var table in tables)
        {
            await using var info = c.CreateCommand();
            info.CommandText = $"SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY {(columnOrder ? "cid" : "name")}";
            await using var r = await info.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"column {table}[{(columnOrder ? r.GetInt64(0).ToString(CultureInfo.InvariantCulture) : "-")}] {r.GetString(1)} {r.GetString(2)} notnull={r.GetInt64(3)} default={(r.IsDBNull(4) ? "none" : r.GetString(4))} pk={r.GetInt64(5)}"));
            }
        }

        return lines;
    }

    private static string Normalize(string sql) =>
        Spaces().Replace(sql.Replace("\"", "", StringComparison.Ordinal), " ").Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal).Trim();

    private static string NormalizeTable(string sql)
    {
        var text = Normalize(sql);
        var open = text.IndexOf('(', StringComparison.Ordinal);
        if (open < 0 || !text.EndsWith(')'))
        {
            return text;
        }

        var items = new List<string>();
        var depth = 0;
        var item = new StringBuilder();
        foreach (var ch in text[(open + 1)..^1])
        {
            depth += ch switch { '(' => 1, ')' => -1, _ => 0 };
            if (ch == ',' && depth == 0)
            {
                items.Add(item.ToString().Trim());
                item.Clear();
                continue;
            }

            item.Append(ch);
        }

        items.Add(item.ToString().Trim());
        items.Sort(StringComparer.Ordinal);
        return text[..(open + 1)] + string.Join(", ", items) + ")";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
