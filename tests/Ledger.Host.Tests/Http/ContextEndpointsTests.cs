using Ledger.Host.Http;

namespace Ledger.Host.Tests;

/// <summary>
/// Each bounded context maps its own routes from its own file; the host finds them by type, with no
/// central list. (That every mapped route has its role-matrix row is RoleMatrixTests' check.)
/// </summary>
public sealed class ContextEndpointsTests
{
    [Fact]
    public void Every_context_in_the_host_is_found_once_by_type()
    {
        var implementations = typeof(IContextEndpoints).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(IContextEndpoints).IsAssignableFrom(t)).ToList();
        var names = ContextEndpoints.All.Select(c => c.Context).ToList();

        Assert.Contains("settlement", names);
        Assert.Equal(implementations.Count, names.Count);
        Assert.Equal(names.Distinct(StringComparer.Ordinal).Count(), names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }
}
