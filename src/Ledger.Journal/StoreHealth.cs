using Akka.Actor;
using Akka.Event;

namespace Ledger.Journal;

/// <summary>What a node's store watch looks at: the store, its connection, and for SQLite the file and its identity when the node opened it.</summary>
public sealed record StoreWatch(string Store, string ConnectionString, string? File = null, FileIdentity? Identity = null);

/// <summary>
/// The store's health as this node sees it, one per actor system: the fault the store is in now,
/// if any, reported by the journal when a write or read fails for a store reason (<see cref="StoreFault.Of"/>)
/// and by the watch, which every <see cref="CheckInterval"/> compares the SQLite file's identity
/// with the one the node opened and, while a passing fault lasts, tries a probe write
/// (<see cref="StoreProbe"/>). The HTTP API answers from it at once instead of waiting for the
/// accounts, and <c>/health/ready</c> names it. A fault is logged when it starts, then at most once
/// per <see cref="LogInterval"/> with the count of failures since, and once when it ends.
/// </summary>
public sealed class StoreHealth : IExtension
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly ILoggingAdapter _log;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private StoreFault? _fault;
    private CancellationTokenSource _reported = new();
    private StoreWatch? _watch;
    private DateTime _loggedAtUtc;
    private int _failuresSinceLogged;
    private DateTime _faultSinceUtc;
    private string? _lastRule;

    public StoreHealth(ExtendedActorSystem system)
    {
        _log = Logging.GetLogger(system, "Ledger.Store");
        system.WhenTerminated.ContinueWith(_ => _stop.Cancel(), TaskScheduler.Default);
    }

    public static StoreHealth Get(ActorSystem system) => system.WithExtension<StoreHealth, StoreHealthProvider>();

    /// <summary>The fault the store is in now; null while it takes writes.</summary>
    public StoreFault? Fault
    {
        get
        {
            lock (_gate) return _fault;
        }
    }

    /// <summary>Cancelled when the next store failure is reported: a request in flight then answers with the fault at once.</summary>
    public CancellationToken NextFailure
    {
        get
        {
            lock (_gate) return _reported.Token;
        }
    }

    /// <summary>Starts the watch (once): the file identity check and the probe of a passing fault, every <see cref="CheckInterval"/>.</summary>
    public void Watch(StoreWatch watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        lock (_gate)
        {
            if (_watch is not null) return;
            _watch = watch;
        }
        if (watch.Identity is null && watch.File is not null)
        {
            _log.Warning("The identity of {0} cannot be read on this system: a replaced or removed store file goes unnoticed", watch.File);
        }
        _ = Task.Run(() => WatchLoop(watch, _stop.Token));
    }

    /// <summary>
    /// Throws when the SQLite file at the node's path is not the one the node opened (checked before
    /// each commit and each replay); once seen, the fault lasts until the node is restarted.
    /// </summary>
    /// <exception cref="StoreFaultException">The file was replaced or removed, now or earlier.</exception>
    public void CheckFile()
    {
        if (Fault is { Latched: true } latched) throw new StoreFaultException(latched);
        if (_watch is not { File: { } file, Identity: { } opened }) return;
        if (FileFault(file, opened) is { } fault)
        {
            Report(fault);
            throw new StoreFaultException(fault);
        }
    }

    /// <summary>Records a failure of the store. A passing fault never replaces one that lasts.</summary>
    public void Report(StoreFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        CancellationTokenSource reported;
        string? line = null;
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (_fault is { Latched: true } && !fault.Latched) fault = _fault;
            var isNew = _fault?.Rule != fault.Rule;
            if (isNew)
            {
                _faultSinceUtc = now;
                _failuresSinceLogged = 0;
                line = $"Store fault {fault.Rule}: {fault.Detail}";
                _loggedAtUtc = now;
            }
            else
            {
                _failuresSinceLogged++;
                if (now - _loggedAtUtc >= LogInterval)
                {
                    line = $"Store fault {fault.Rule} goes on since {_faultSinceUtc:O}: {_failuresSinceLogged} failed writes or probes in the last {(now - _loggedAtUtc).TotalSeconds:0} s";
                    _failuresSinceLogged = 0;
                    _loggedAtUtc = now;
                }
            }
            _fault = fault;
            _lastRule = fault.Rule;
            reported = _reported;
            _reported = new CancellationTokenSource();
        }
        if (line is not null) _log.Error(line);
        // Not disposed: requests in flight may still hold its token (a source without a timer needs no disposal).
        reported.Cancel();
    }

    /// <summary>
    /// The journal could not write because its circuit breaker is open after repeated failures:
    /// the same fault as the failures that opened it goes on.
    /// </summary>
    public void ReportFailingFast()
    {
        string? rule;
        lock (_gate) rule = _lastRule;
        Report(rule switch
        {
            StoreFault.FullRule => StoreFault.Full("the journal fails fast after repeated failures"),
            StoreFault.ReadOnlyRule => StoreFault.ReadOnly("the journal fails fast after repeated failures"),
            _ => StoreFault.Unreachable("the journal fails fast after repeated failures"),
        });
    }

    /// <summary>A write went through: a passing fault is over.</summary>
    public void WriteSucceeded()
    {
        StoreFault? ended;
        DateTime since;
        lock (_gate)
        {
            if (_fault is not { Latched: false } passing) return;
            ended = passing;
            since = _faultSinceUtc;
            _fault = null;
        }
        _log.Info("Store fault {0} is over: the store takes writes again (faulted for {1:0.0} s)", ended.Rule, (DateTime.UtcNow - since).TotalSeconds);
    }

    private static StoreFault? FileFault(string file, FileIdentity opened)
    {
        FileIdentity? now;
        try
        {
            now = FileIdentity.Of(file);
        }
        catch (IOException e)
        {
            return StoreFault.Unreachable($"the file {file} cannot be examined: {e.Message}");
        }
        var name = Path.GetFileName(file);
        if (now is null)
        {
            return new StoreFault(StoreFault.MissingRule,
                $"{name} is gone from the data folder (renamed away or deleted) while the node ran: it acknowledges nothing more; " +
                "stop it, put the file back, and start it again", Latched: true);
        }
        if (now != opened)
        {
            return new StoreFault(StoreFault.ReplacedRule,
                $"{name} in the data folder is no longer the file this node opened ({opened}; now {now}): it acknowledges nothing more; " +
                "stop it, put the original file back, and start it again", Latched: true);
        }
        return null;
    }

    private async Task WatchLoop(StoreWatch watch, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var fault = Fault;
                if (fault is { Latched: true }) continue;
                if (watch is { File: { } file, Identity: { } opened } && FileFault(file, opened) is { } fileFault)
                {
                    Report(fileFault);
                    continue;
                }
                if (fault is null) continue;
                try
                {
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    limit.CancelAfter(StoreProbe.StartTimeout);
                    await StoreProbe.WriteAsync(watch.Store, watch.ConnectionString, limit.Token);
                    WriteSucceeded();
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Report(StoreFault.Of(e) ?? fault);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

public sealed class StoreHealthProvider : ExtensionIdProvider<StoreHealth>
{
    public override StoreHealth CreateExtension(ExtendedActorSystem system) => new(system);
}
