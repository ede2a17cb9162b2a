using System.Globalization;
using System.Text;

namespace Herald.Core.Templates;

/// <summary>A string writer that charges every character to the render's budget before keeping it.</summary>
internal sealed class BoundedWriter(RenderBudget budget) : StringWriter(CultureInfo.InvariantCulture)
{
    public override void Write(char value)
    {
        budget.Write(1);
        base.Write(value);
    }

    public override void Write(string? value)
    {
        budget.Write(value?.Length ?? 0);
        base.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        budget.Write(count);
        base.Write(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        budget.Write(buffer.Length);
        base.Write(buffer);
    }

    public override void Write(StringBuilder? value)
    {
        budget.Write(value?.Length ?? 0);
        base.Write(value);
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        budget.Write(buffer.Length + CoreNewLine.Length);
        base.WriteLine(buffer);
    }

    public override void WriteLine(StringBuilder? value)
    {
        budget.Write((value?.Length ?? 0) + CoreNewLine.Length);
        base.WriteLine(value);
    }
}
