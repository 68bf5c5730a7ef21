
namespace Ledger.Host.Http;

/// <summary>
/// The HTTP part of one bounded context: it maps its own routes under <c>/v1</c>, from its own
/// file (<c>Http/&lt;Context&gt;Endpoints.cs</c>). Every implementation in this assembly is found
/// by type, so adding a context adds its file and edits no central list.
/// </summary>
public interface IContextEndpoints
{
    /// <summary>The context's name (settlement, calendar, income, recalls, lending), for logs and tests.</summary>
    string Context { get; }

    /// <summary>One sentence on what the context serves: its tag's description in the OpenAPI document.</summary>
    string Description { get; }

    void Map(RouteGroupBuilder v1);
}

public static class ContextEndpoints
{
    /// <summary>Every context's endpoints, in the order of their names (routes do not depend on it; logs and tests do).</summary>
    public static IReadOnlyList<IContextEndpoints> All { get; } = typeof(IContextEndpoints).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IContextEndpoints).IsAssignableFrom(t))
        .Select(t => (IContextEndpoints)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(c => c.Context, StringComparer.Ordinal)
        .ToArray();

    public static void MapAll(RouteGroupBuilder v1)
    {
        // One group per context, without a prefix of its own: the context names its routes' tag in the OpenAPI document.
        foreach (var context in All) context.Map(v1.MapGroup("").WithTags(context.Context));
    }
}
