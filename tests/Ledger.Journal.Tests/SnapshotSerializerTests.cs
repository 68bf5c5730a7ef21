using System.Runtime.Serialization;
using System.Text.Json;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// The account snapshot's stored form: every field back as written, over a day that leaves
/// accounts with deliveries and receives in every stage (completed, pending on position and on the
/// cap, paired by look-ahead, cancelled, dropped at the cutoff), a reclaim, idempotency ids and a
/// close; a golden payload of each format (the account's formats 1 and 2) that must keep reading; and a damaged or unknown payload
/// refused with a <see cref="SerializationException"/> (which the snapshot store, configured
/// <c>snapshot-is-optional</c>, turns into a replay of the whole journal).
/// </summary>
public sealed class SnapshotSerializerTests
{
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static readonly DateTimeOffset Morning = new(2025, 1, 2, 14, 0, 0, TimeSpan.Zero);
    private static readonly Cusip X = new("037833100");
    private static readonly Cusip Y = new("594918104");

    /// <summary>A scripted two-day ledger; deterministic (times and ids are given), so its snapshots are too.</summary>
    public static InMemoryLedger SampleLedger(out Dictionary<ParticipantId, int> beforeCutoff)
    {
        var ledger = new InMemoryLedger(new DateOnly(2025, 1, 2), Morning);
        Ok(ledger.List(X, Money.FromDollars(100), 0.10m, Morning));
        Ok(ledger.List(Y, Money.FromDollars(25.5m), 0.25m, Morning));
        Configure(ledger, "0001", 1_000, 1_000, mlp: true);
        Configure(ledger, "0002", 1_000, 50, mlp: true);
        Configure(ledger, "0003", 10, 10);
        Configure(ledger, "0004", 1_000, 1_000, mlp: true);
        Configure(ledger, "0900", 0, 0, mlp: true, ccp: true);
        Ok(ledger.Deposit(new ParticipantId("0001"), X, 1_000, Morning, new IdempotencyId("dep-1")));
        Ok(ledger.Deposit(new ParticipantId("0004"), Y, 500, Morning));
        Ok(ledger.Pay(new ParticipantId("0002"), Money.FromDollars(20), Morning, new IdempotencyId("pay-1")));
        Submit(ledger, "D1", "0001", "0002", 100, 50m);
        ledger.DeliverAll();
        Submit(ledger, "D2", "0001", "0003", 10_000, 5m);        // pends on position at the deliverer
        Submit(ledger, "D3", "0001", "0002", 10, 5_000m);        // pends on the receiver's cap
        Submit(ledger, "D4", "0004", "0900", 100, 1_000m, Y);    // a market loan: lender -> OCC ...
        Submit(ledger, "D5", "0900", "0002", 100, 1_000m, Y);    // ... and OCC -> borrower (cap 50: pends there)
        Submit(ledger, "D6", "0001", "0003", 5, 0m);              // free of payment
        ledger.DeliverAll();
        var reclaim = ledger.Reclaim(new ReclaimId(new ParticipantId("0002"), "R1"), new DeliverOrderId("D1"), Morning);
        Assert.True(reclaim.Accepted, $"reclaim refused: {reclaim.Error}");
        ledger.Cancel(new DeliverOrderId("D2"), Morning);
        ledger.DeliverAll();
        beforeCutoff = ledger.Participants.ToDictionary(p => p, p => ledger.Journal(p).Count);
        Ok(ledger.Cutoff(Morning.AddHours(5)));
        ledger.DeliverAll();
        Ok(ledger.Close(Morning.AddHours(8)));
        ledger.DeliverAll();
        Submit(ledger, "E1", "0001", "0002", 1, 1m);
        // A stock loan with its loan terms, and a mark settled as a payment order: the snapshot carries both.
        var loan = ledger.Submit(new DeliverOrderRequest("SL1", "0001", "0002", X.Value, 2, 2m, "SL", RebateRate: 0.0450m, CollateralMargin: 1.02m), Morning.AddDays(1));
        Assert.True(loan.Accepted, $"SL1 refused: {loan.Error}");
        var mark = ledger.SubmitPaymentOrder(new PaymentOrderRequest("MK-20250103-SL1", "0002", "0001", X.Value, 0.04m, new DateOnly(2025, 1, 3)), Morning.AddDays(1));
        Assert.True(mark.Accepted, $"the mark refused: {mark.Error}");
        Ok(ledger.Pay(new ParticipantId("0001"), Money.FromDollars(1), Morning.AddDays(1), new IdempotencyId("pay-2")));
        ledger.DeliverAll();
        return ledger;
    }

    /// <summary>Each account's snapshot before the cutoff (items pending) and at the end (a day closed), in that order.</summary>
    public static IEnumerable<(ParticipantId Participant, EntitySnapshot Snapshot)> SampleSnapshots()
    {
        var ledger = SampleLedger(out var beforeCutoff);
        foreach (var p in ledger.Participants.OrderBy(p => p.Value, StringComparer.Ordinal))
        {
            foreach (var events in new[] { beforeCutoff[p], ledger.Journal(p).Count })
            {
                var journal = ledger.Journal(p).Take(events).ToList();
                // The last snapshot of 0002 also holds an income posting applied (income tracking's, once per posting id).
                if (p.Value == "0002" && events == ledger.Journal(p).Count)
                    journal.Add(new IncomePostingApplied("income:2025-01-03:0002:1", 125, [], Morning.AddDays(1)));
                var state = InMemoryLedger.Replay(p, journal, ledger.ReclaimRules);
                var index = new DeliverOrderEventIndex();
                for (var i = 0; i < journal.Count; i++) index.Record(i + 1, journal[i]);
                yield return (p, new EntitySnapshot($"chain-of-{p.Value}-at-{events}", new AccountSnapshotState(state.ToSnapshot(), index.ToSnapshot())));
            }
        }
    }

    [Fact]
    public void Every_field_of_every_sample_account_comes_back()
    {
        var sawPending = false;
        var sawCompleted = false;
        var sawTerms = false;
        var sawIncome = false;
        foreach (var (participant, snapshot) in SampleSnapshots())
        {
            var bytes = SnapshotSerializer.ToBytes(snapshot);
            var back = SnapshotSerializer.FromBytes(bytes, SnapshotSerializer.AccountManifest);
            Assert.Equal(snapshot.Chain, back.Chain);
            Assert.Equal(Json(snapshot.State), Json(back.State));
            var account = ((AccountSnapshotState)back.State).Account;
            sawPending |= account.PendingReceives.Count > 0 || account.PendingDeliveries.Count > 0;
            sawCompleted |= account.Deliveries.Any(d => d.Stage == DeliveryStage.Completed);
            Assert.Equal(participant, account.Participant);
            sawTerms |= account.Deliveries.Any(d => d.Order.CollateralMargin == 1.02m && d.Order.RebateRate == 0.0450m);
            sawIncome |= account.IncomePostings.Contains("income:2025-01-03:0002:1");
        }
        Assert.True(sawTerms, "no snapshot holds a stock loan's terms");
        Assert.True(sawIncome, "no snapshot holds an income posting");
        Assert.True(sawPending && sawCompleted, "the sample day leaves no account with pending and completed deliver orders: it tests too little");
    }

    /// <summary>
    /// A snapshot whose index is large enough to be rebuilt on another thread
    /// (<see cref="AccountSnapshotState.ParallelRestoreEntriesMin"/>) restores to the same state and
    /// index as the one-thread path, read back from its stored form: a deliverer's journal of
    /// deliver orders, each reserved and completed.
    /// </summary>
    [Fact]
    public void A_large_snapshot_restores_its_index_beside_its_state_to_what_the_journal_gives()
    {
        var participant = new ParticipantId("0001");
        var day = new DateOnly(2025, 1, 2);
        var terms = new SecurityTerms(Money.FromDollars(10m), 0.1m, 1);
        var state = new AccountState(participant);
        var index = new DeliverOrderEventIndex();
        var sequenceNr = 0L;
        void Decide(AccountCommand command)
        {
            foreach (var e in AccountDecider.Decide(state, command).Events) index.Record(++sequenceNr, e);
        }
        Decide(new ConfigureParticipant("P1", Money.FromDollars(1e10m), Money.FromDollars(1e9m), true, false, day, Morning));
        Decide(new DepositShares(X, 1_000_000_000, terms, Morning));
        var orders = AccountSnapshotState.ParallelRestoreEntriesMin + 1_000;
        for (var i = 0; i < orders; i++)
        {
            var order = new DeliverOrder(new DeliverOrderId($"DO{i}"), participant, new ParticipantId("0002"), X, 10, Money.FromDollars(5m), "TRADE");
            Decide(new SubmitDelivery(order, terms, Morning));
            // Every third one stays in flight (reserved, not yet completed).
            if (i % 3 != 0) Decide(new ReportReceiveOutcome(order.Id, new ParticipantId("0002"), ReceiveStage.Completed, CompletedBy.Direct, null, Morning));
        }
        var snapshot = new AccountSnapshotState(state.ToSnapshot(), index.ToSnapshot());
        Assert.True(snapshot.Events.Entries.Count >= AccountSnapshotState.ParallelRestoreEntriesMin, "too small to take the parallel path");
        var back = (AccountSnapshotState)SnapshotSerializer.FromBytes(SnapshotSerializer.ToBytes(new EntitySnapshot("chain", snapshot)), SnapshotSerializer.AccountManifest).State;

        var (restored, restoredIndex) = back.Restore(null);

        Assert.Equal(Json(snapshot), Json(new AccountSnapshotState(restored.ToSnapshot(), restoredIndex.ToSnapshot())));
        Assert.Equal(orders, restored.Deliveries.Count);
        Assert.Equal(orders - (orders + 2) / 3, restored.Deliveries.Values.Count(d => d.Stage == DeliveryStage.Completed));
        Assert.Equal(index.Count, restoredIndex.Count);
    }

    /// <summary>The index bucket's and the reference data's snapshots of the sample day (their whole journals).</summary>
    public static IEnumerable<(string Manifest, EntitySnapshot Snapshot)> OtherSampleSnapshots()
    {
        var ledger = SampleLedger(out _);
        var index = new DeliverOrderIndexState();
        foreach (var e in ledger.IndexJournal) index.Apply(e);
        var reference = new ReferenceState();
        foreach (var e in ledger.ReferenceJournal) reference.Apply(e);
        yield return (SnapshotSerializer.IndexManifest, new EntitySnapshot("chain-of-index", index.ToSnapshot()));
        yield return (SnapshotSerializer.ReferenceManifest, new EntitySnapshot("chain-of-reference", reference.ToSnapshot()));
    }

    [Fact]
    public void Every_entry_of_the_index_and_every_reference_figure_comes_back()
    {
        foreach (var (manifest, snapshot) in OtherSampleSnapshots())
        {
            var back = SnapshotSerializer.FromBytes(SnapshotSerializer.ToBytes(snapshot), manifest);
            Assert.Equal(snapshot.Chain, back.Chain);
            Assert.Equal(Json(snapshot.State), Json(back.State));
        }
        var reference = (ReferenceStateSnapshot)OtherSampleSnapshots().Last().Snapshot.State;
        Assert.NotNull(reference.Reference.LastClosed);
        Assert.Equal(5, reference.Reference.Participants.Count);
    }

    private static EntitySnapshot SampleOf(string manifest) => manifest is SnapshotSerializer.AccountManifest or SnapshotSerializer.AccountManifestV1
        ? SampleSnapshots().Where(s => s.Participant.Value == "0001").ElementAt(1).Snapshot
        : OtherSampleSnapshots().Single(s => s.Manifest == manifest).Snapshot;

    public static TheoryData<string> AllManifests() => new(SnapshotSerializer.Manifests);

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void The_golden_payload_of_every_format_still_reads_as_the_sample(string manifest)
    {
        var sample = SampleOf(manifest);
        var file = Path.Combine(AppContext.BaseDirectory, "Golden", "Snapshots", manifest + ".bin");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            file = Path.Combine(SourceFolder(), "Golden", "Snapshots", manifest + ".bin");
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write); // never overwrites
            stream.Write(SnapshotSerializer.ToBytes(sample));
        }
        Assert.True(File.Exists(file),
            $"No golden snapshot for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var golden = SnapshotSerializer.FromBytes(File.ReadAllBytes(file), manifest);

        Assert.Equal(sample.Chain, golden.Chain);
        Assert.Equal(Json(sample.State), Json(golden.State));
    }

    [Fact]
    public void A_damaged_snapshot_is_refused_wherever_the_damage_is()
    {
        var (_, sample) = SampleSnapshots().First(s => s.Participant.Value == "0900");
        var bytes = SnapshotSerializer.ToBytes(sample);
        foreach (var at in new[] { 0, 1, bytes.Length / 3, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x20;
            var e = Assert.Throws<SerializationException>(() => SnapshotSerializer.FromBytes(damaged, SnapshotSerializer.AccountManifest));
            Assert.Contains("SHA-256", e.Message);
        }
        Assert.Throws<SerializationException>(() => SnapshotSerializer.FromBytes(bytes[..^1], SnapshotSerializer.AccountManifest));
        Assert.Throws<SerializationException>(() => SnapshotSerializer.FromBytes([1, 2, 3], SnapshotSerializer.AccountManifest));
    }

    [Fact]
    public void A_snapshot_of_another_format_is_refused_by_its_manifest()
    {
        var (_, sample) = SampleSnapshots().First();
        var e = Assert.Throws<SerializationException>(() => SnapshotSerializer.FromBytes(SnapshotSerializer.ToBytes(sample), "snapshot.account.v0"));
        Assert.Contains("snapshot.account.v0", e.Message);
    }

    private static string Json(object state) => state switch
    {
        // Dictionaries keyed by ids, and a calendar: compared as sorted lists of their values.
        ReferenceStateSnapshot r => JsonSerializer.Serialize(new
        {
            Participants = r.Reference.Participants.Values.OrderBy(p => p.Id.Value, StringComparer.Ordinal).ToList(),
            Securities = r.Reference.Securities.OrderBy(kv => kv.Key.Value, StringComparer.Ordinal).ToList(),
            r.Reference.BusinessDate,
            r.Reference.CutoffReached,
            r.Reference.Closing,
            r.Reference.Calendar.Holidays,
            r.Reference.LastClosed,
            r.ClosingTo,
            r.ClosingAccounts,
            r.Version,
        }),
        _ => JsonSerializer.Serialize(state, state.GetType()),
    };

    private static void Configure(InMemoryLedger ledger, string id, decimal fund, decimal cap, bool mlp = false, bool ccp = false) =>
        Ok(ledger.Configure(new ParticipantRecord(new ParticipantId(id), $"Participant {id}", Money.FromDollars(cap), Money.FromDollars(fund), mlp, ccp), Morning));

    private static void Submit(InMemoryLedger ledger, string id, string from, string to, long shares, decimal amount, Cusip? cusip = null)
    {
        var result = ledger.Submit(new DeliverOrderRequest(id, from, to, (cusip ?? X).Value, shares, amount, "LOAN"), Morning);
        Assert.True(result.Accepted, $"{id} refused: {result.Error}");
    }

    private static void Ok(InMemoryLedger.Outcome outcome) => Assert.True(outcome.Ok, outcome.Message);

    private static string SourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Journal.Tests.csproj"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Ledger.Journal.Tests.csproj not found above " + AppContext.BaseDirectory);
    }
}
