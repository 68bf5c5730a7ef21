using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Benchmarks;

/// <summary>The pure parts of the hot path, without actors or a store.</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    /// <summary>In-process (no generated project to build), short runs: the machine is shared; see RESULTS.md.</summary>
    public static IConfig Config() => ManualConfig.CreateMinimumViable()
        .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess-Short"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
        .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "ledger-bdn"))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);

    private static readonly DateTimeOffset At = new(2026, 3, 2, 14, 30, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 3, 2);
    private static readonly SecurityTerms Terms = new(Money.FromDollars(10m), 0.1m, 1);
    private static readonly Cusip Cusip = LoadDriver.Plan.MakeCusip(1);
    private static readonly ParticipantId D = new("0001");
    private static readonly ParticipantId R = new("0002");
    private static readonly ParticipantId Occ = LoadDriver.Occ;

    public const int DosPerInvoke = 10_000;

    private AccountState _deliverer = null!;
    private AccountState _receiver = null!;
    private DeliverOrder[] _orders = null!;

    internal static AccountState Account(ParticipantId id, bool ccp = false, Money? cap = null)
    {
        var s = new AccountState(id);
        AccountDecider.Decide(s, new ConfigureParticipant("P" + id.Value, cap ?? Money.FromDollars(10_000_000_000m), ccp ? Money.Zero : Money.FromDollars(1_000_000_000m),
            MarketLoanProgram: true, CentralCounterparty: ccp, Day, At));
        return s;
    }

    [IterationSetup(Targets = [nameof(DecideEvolveSubmitAndReceive), nameof(DecideEvolveFullDo)])]
    public void SetUpDo()
    {
        _deliverer = Account(D);
        AccountDecider.Decide(_deliverer, new DepositShares(Cusip, 1_000_000_000, Terms, At));
        _receiver = Account(R);
        _orders = Enumerable.Range(0, DosPerInvoke).Select(i => new DeliverOrder(new DeliverOrderId("DO" + i), D, R, Cusip, 100, Money.FromDollars(500m), "TRADE")).ToArray();
    }

    /// <summary>Per DO: SubmitDelivery decided and evolved at the deliverer, RequestReceive at the receiver.</summary>
    [Benchmark(OperationsPerInvoke = DosPerInvoke)]
    public int DecideEvolveSubmitAndReceive()
    {
        var n = 0;
        foreach (var order in _orders)
        {
            n += AccountDecider.Decide(_deliverer, new SubmitDelivery(order, Terms, At)).Events.Count;
            n += AccountDecider.Decide(_receiver, new RequestReceive(order, Terms, false, At)).Events.Count;
        }
        return n;
    }

    /// <summary>As above plus the receiver's report decided at the deliverer (the DO's third and last step).</summary>
    [Benchmark(OperationsPerInvoke = DosPerInvoke)]
    public int DecideEvolveFullDo()
    {
        var n = 0;
        foreach (var order in _orders)
        {
            n += AccountDecider.Decide(_deliverer, new SubmitDelivery(order, Terms, At)).Events.Count;
            n += AccountDecider.Decide(_receiver, new RequestReceive(order, Terms, false, At)).Events.Count;
            n += AccountDecider.Decide(_deliverer, new ReportReceiveOutcome(order.Id, R, ReceiveStage.Completed, CompletedBy.Direct, null, At)).Events.Count;
        }
        return n;
    }

    private readonly DeliveryReserved _reserved = RawInsert.SampleEvent();
    private readonly byte[] _reservedJson = LedgerSerializer.ToUtf8Json(RawInsert.SampleEvent());
    private readonly string _reservedManifest = LedgerSerializer.ManifestFor(typeof(DeliveryReserved));

    [Benchmark]
    public object SerializerRoundTripDeliveryReserved() =>
        LedgerSerializer.FromUtf8Json(LedgerSerializer.ToUtf8Json(_reserved), _reservedManifest);

    [Benchmark]
    public byte[] SerializeDeliveryReserved() => LedgerSerializer.ToUtf8Json(_reserved);

    [Benchmark]
    public object DeserializeDeliveryReserved() => LedgerSerializer.FromUtf8Json(_reservedJson, _reservedManifest);

    public const int ReplayEvents = 100_000;
    private List<AccountEvent> _history = null!;
    private List<(byte[] Payload, string Manifest)> _stored = null!;

    /// <summary>A deliverer's journal of 100,000 events: configured, a deposit, then DOs reserved and completed.</summary>
    [GlobalSetup(Targets = [nameof(ReplayApply100k), nameof(ReplayDeserializeApply100k)])]
    public void SetUpReplay()
    {
        var s = new AccountState(D);
        var events = new List<AccountEvent>(ReplayEvents);
        events.AddRange(AccountDecider.Decide(s, new ConfigureParticipant("P", Money.FromDollars(1e10m), Money.FromDollars(1e9m), true, false, Day, At)).Events);
        events.AddRange(AccountDecider.Decide(s, new DepositShares(Cusip, 1_000_000_000, Terms, At)).Events);
        for (var i = 0; events.Count < ReplayEvents; i++)
        {
            var order = new DeliverOrder(new DeliverOrderId("DO" + i), D, R, Cusip, 100, Money.FromDollars(500m), "TRADE");
            events.AddRange(AccountDecider.Decide(s, new SubmitDelivery(order, Terms, At)).Events);
            events.AddRange(AccountDecider.Decide(s, new ReportReceiveOutcome(order.Id, R, ReceiveStage.Completed, CompletedBy.Direct, null, At)).Events);
        }
        _history = events.Take(ReplayEvents).ToList();
        _stored = _history.Select(e => (LedgerSerializer.ToUtf8Json(e), LedgerSerializer.ManifestFor(e.GetType()))).ToList();
    }

    /// <summary>Evolve only: 100,000 events applied to a new AccountState.</summary>
    [Benchmark(OperationsPerInvoke = ReplayEvents)]
    public AccountState ReplayApply100k()
    {
        var s = new AccountState(D);
        foreach (var e in _history) s.Apply(e);
        return s;
    }

    /// <summary>What recovery does after the read: deserialize each stored payload, then apply it.</summary>
    [Benchmark(OperationsPerInvoke = ReplayEvents)]
    public AccountState ReplayDeserializeApply100k()
    {
        var s = new AccountState(D);
        foreach (var (payload, manifest) in _stored) s.Apply((AccountEvent)LedgerSerializer.FromUtf8Json(payload, manifest));
        return s;
    }

    public const int PendingAtOcc = 10_000;
    private AccountState _occ = null!;
    private RequestReceive _pairing = null!;

    /// <summary>OCC with 10,000 deliveries OCC -> B of one CUSIP pending on position (distinct shares); the receive pairs with the newest.</summary>
    [IterationSetup(Target = nameof(LookAheadWith10kPendingAtOcc))]
    public void SetUpLookAhead()
    {
        _occ = Account(Occ, ccp: true, cap: Money.Zero);
        for (var i = 0; i < PendingAtOcc; i++)
        {
            var shares = 100 + i;
            var order = new DeliverOrder(new DeliverOrderId("B" + i), Occ, R, Cusip, shares, Money.FromDollars(shares * 5m), "LOAN");
            AccountDecider.Decide(_occ, new SubmitDelivery(order, Terms, At));
        }
        var last = 100 + PendingAtOcc - 1;
        _pairing = new RequestReceive(new DeliverOrder(new DeliverOrderId("A"), D, Occ, Cusip, last, Money.FromDollars(last * 5m), "LOAN"), Terms, false, At);
    }

    /// <summary>One L -> OCC receive: pends on OCC's cap (0), then look-ahead finds its partner among 10,000 pending deliveries.</summary>
    [Benchmark]
    public int LookAheadWith10kPendingAtOcc()
    {
        var d = AccountDecider.Decide(_occ, _pairing);
        if (!d.Events.OfType<LookAheadProposed>().Any()) throw new InvalidOperationException("did not pair");
        return d.Events.Count;
    }
}
