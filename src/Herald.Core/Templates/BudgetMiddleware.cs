using System.Linq.Expressions;
using System.Reflection;
using HandlebarsDotNet;
using HandlebarsDotNet.Compiler;

namespace Herald.Core.Templates;

/// <summary>
/// Rewrites every compiled template body (the template itself, each block, each <c>{{#each}}</c> iteration body, each
/// inline partial) to call <see cref="RenderBudget.Tick"/> on entry and before each of its statements (a text run, a value, a block).
/// </summary>
/// <remarks>
/// Handlebars.Net has no hook on iterations or partial calls (iterators and the inline-partial table are internal), but
/// it runs every expression tree it compiles through the configured <see cref="IExpressionMiddleware"/>s first. Counting
/// there covers every way a template loops or recurses, whatever the data's shape, with one static call per statement.
/// </remarks>
internal sealed class BudgetMiddleware : IExpressionMiddleware
{
    private static readonly MethodInfo TickMethod = typeof(RenderBudget).GetMethod(nameof(RenderBudget.Tick), BindingFlags.Public | BindingFlags.Static)!;

    public Expression<T> Invoke<T>(Expression<T> expression)
        where T : Delegate
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (typeof(T) != typeof(TemplateDelegate))
        {
            return expression;
        }

        var body = new TickInserter().Visit(expression.Body);
        body = Expression.Block(body.Type, Expression.Call(TickMethod), body);
        return Expression.Lambda<T>(body, expression.Name, expression.TailCall, expression.Parameters);
    }

    /// <summary>Puts a tick before every statement of every block, but leaves nested lambdas alone (each is compiled, and ticked, on its own).</summary>
    private sealed class TickInserter : ExpressionVisitor
    {
        protected override Expression VisitLambda<TDelegate>(Expression<TDelegate> node) => node;

        protected override Expression VisitBlock(BlockExpression node)
        {
            var visited = (BlockExpression)base.VisitBlock(node);
            return Expression.Block(visited.Type, visited.Variables, visited.Expressions.SelectMany(e => new[] { Expression.Call(TickMethod), e }));
        }
    }
}
