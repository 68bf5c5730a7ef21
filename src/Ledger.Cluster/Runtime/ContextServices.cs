using Ledger.Settlement;

namespace Ledger.Cluster;

/// <summary>
/// A step another context runs in settlement's close: after every account closed
/// <c>closed</c>, before the reference data opens <c>next</c> for deliver orders. It must be
/// idempotent: a close interrupted by a crash runs it again.
/// </summary>
public interface IBusinessDayCloseStep
{
    Task AfterAccountsClosedAsync(DateOnly closed, DateOnly next, ReferenceSnapshot reference, CancellationToken ct);
}

/// <summary>
/// A step another context runs once settlement opened <c>opened</c> (after <c>closed</c>'s close
/// finished): deliver orders and payment orders for <c>opened</c> are taken. It must be
/// idempotent: a node that restarts runs it again for the business day it finds open.
/// </summary>
public interface IBusinessDayOpenStep
{
    Task AfterOpenedAsync(DateOnly closed, DateOnly opened, ReferenceSnapshot reference, CancellationToken ct);
}

/// <summary>
/// What the other contexts of a node hang on settlement's gateway: their gateways, for the host
/// to serve (by type), and their steps in the close, in the order added (the contexts' start order).
/// </summary>
public sealed class ContextServices
{
    private readonly Dictionary<Type, object> _services = new();
    private readonly List<IBusinessDayCloseStep> _closeSteps = new();
    private readonly List<IBusinessDayOpenStep> _openSteps = new();

    public IReadOnlyDictionary<Type, object> All => _services;

    public IReadOnlyList<IBusinessDayCloseStep> CloseSteps => _closeSteps;

    public void Add<T>(T service) where T : class => _services.Add(typeof(T), service);

    public T? Find<T>() where T : class => _services.TryGetValue(typeof(T), out var s) ? (T)s : null;

    public void AddCloseStep(IBusinessDayCloseStep step) => _closeSteps.Add(step);

    public IReadOnlyList<IBusinessDayOpenStep> OpenSteps => _openSteps;

    public void AddOpenStep(IBusinessDayOpenStep step) => _openSteps.Add(step);
}
