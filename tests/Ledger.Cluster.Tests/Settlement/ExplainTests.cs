using System.Text.Json;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Explanations on a real node on SQLite: read by key (the rows each party's account names for the
/// deliver order) they tell the very life `ledger explain` tells from whole journals beside the node;
/// a party sees only its own account's steps; a participant that is not a party is refused from the
/// registration alone, with nothing read; and an explanation reads its own few rows however long the
/// journals are.
/// </summary>
[Collection("cluster")]
public sealed class ExplainTests
{
    private const string Terms = " [price 100.00, haircut 10%]";
    private const string Occ = "0900", L = "0001", B = "0002", X = "0003";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static LedgerNodeOptions Options(string folder) =>
        new() { DataDir = folder, ResendInterval = TimeSpan.FromMilliseconds(200), RecycleCutoffLocalTime = null };

    private static string Text(DeliverOrderExplanation? x) => JsonSerializer.Serialize(x, Json);

    private static Task<DeliverOrderExplanation?> FromStore(string folder, string id) =>
        ExplainReader.ExplainStoreAsync(new StoreSettings(StoreConfig.Sqlite, null, folder), new DeliverOrderId(id), Setup.None);

    private static async Task<DeliverOrderExplanation> Explained(LedgerNode node, string id, string? participant = null)
    {
        var result = await node.Explainer.ExplainAsync(new DeliverOrderId(id), participant is null ? null : new ParticipantId(participant), Setup.None);
        Assert.Equal(ExplainOutcome.Explained, result.Outcome);
        return result.Explanation!;
    }

    [Fact]
    public async Task Scenario_3_is_explained_from_the_journal_pend_on_net_debit_cap_then_recycle_after_the_payment()
    {
        using var folder = new TempFolder();
        await using var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None);
        var ledger = node.Ledger;
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", 80_000m, 50_000m);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
        await ledger.SubmitAsync([Setup.Do("DO-3", "0001", "0002", 1_000, 100_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-3", "pending");
        Assert.True((await ledger.SettlementProgressPaymentAsync(new ParticipantId("0002"), Money.FromDollars(30_000m), Setup.None)).Ok);
        await Eventually.Status(ledger, "DO-3", "completed");
        // The deliverer journals its completion when the receiver's report reaches it.
        await Eventually.Until(async () => (await Explained(node, "DO-3")).Steps.Count == 5, TimeSpan.FromSeconds(10), "the deliverer's completion journaled");

        var fromNode = await Explained(node, "DO-3");
        var fromStore = (await FromStore(folder.Path, "DO-3"))!;

        Assert.Equal(Text(fromStore), Text(fromNode));
        var sentences = fromNode.Steps.Select(s => s.Sentence[10..]).ToArray(); // without the time "10:42:03Z "
        Assert.Equal([
            "registered: deliverer 0001, receiver 0002, business date " + fromNode.Steps[0].Sentence.Split("business date ")[1],
            "deliverer 0001 reserved 1,000 sh: 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
            "receiver 0002 pended on net-debit-cap: balance 0.00 - 100,000.00 = net debit 100,000.00 > cap 80,000.00; collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0" + Terms,
            $"receiver 0002 completed by recycle after a settlement progress payment of 30,000.00 ({Explanation.Time(fromNode.Steps[3].At)}): collateral monitor 80,000.00 + (90,000.00 received - 100,000.00) = 70,000.00 >= 0; balance 30,000.00 - 100,000.00 = net debit 70,000.00 <= cap 80,000.00" + Terms,
            "deliverer 0001 completed by recycle: 1,000 sh delivered, 100,000.00 credited",
        ], sentences);
        Assert.Equal(("completed", "recycle"), (fromNode.FinalState, fromNode.CompletedBy));
        Assert.Equal([Explanation.RecycleNote], fromNode.Notes);
        Assert.Equal(["index", "0001", "0002", "0002", "0001"], fromNode.Steps.Select(s => s.Participant));

        // Each party: its own steps, its own figures; the deliverer never sees the receiver's cap.
        var deliverers = await Explained(node, "DO-3", "0001");
        Assert.Equal(["index", "0001", "0001"], deliverers.Steps.Select(s => s.Participant));
        Assert.DoesNotContain("80,000.00", Text(deliverers));
        Assert.Equal(("completed", "recycle"), (deliverers.FinalState, deliverers.CompletedBy));
        var receivers = await Explained(node, "DO-3", "0002");
        Assert.Equal(["index", "0002", "0002"], receivers.Steps.Select(s => s.Participant));

        Assert.Equal(ExplainOutcome.Unknown, (await node.Explainer.ExplainAsync(new DeliverOrderId("DO-404"), null, Setup.None)).Outcome);
    }

    /// <summary>Scenarios 5 and 8: a Market Loan paired by look-ahead at OCC, the borrower's reclaim into OCC, and OCC's redelivery to the lender.</summary>
    private static async Task<string> MarketLoanWithReclaim(ILedger ledger)
    {
        await Setup.Participant(ledger, Occ, 0m, 0m, marketLoan: false, ccp: true);
        await Setup.Participant(ledger, L, 1_000_000m, 10_000m, marketLoan: true);
        await Setup.Participant(ledger, B, 1_000_000m, 50_000m, marketLoan: true);
        await Setup.Participant(ledger, X, 1_000_000m, 50_000m, marketLoan: true);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(new ParticipantId(L), Cusips.Apple, 1_000, Setup.None)).Ok);
        var legs = await ledger.SubmitAsync([Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, 1_000, 100_000m)], Setup.None);
        Assert.All(legs, r => Assert.True(r.Accepted, r.Error?.Message));
        await Eventually.Status(ledger, "DO1", "completed");
        await Eventually.Status(ledger, "DO2", "completed");
        var reclaim = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "RC1"), new DeliverOrderId("DO2"), Setup.None);
        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        await Eventually.Status(ledger, reclaim.Id!, "pending");
        Assert.True((await ledger.SubmitAsync([Setup.Do("RD1", Occ, L, 1_000, 100_000m)], Setup.None))[0].Accepted);
        await Eventually.Status(ledger, reclaim.Id!, "completed");
        await Eventually.Status(ledger, "RD1", "completed");
        return reclaim.Id!;
    }

    [Fact]
    public async Task A_market_loan_its_reclaim_and_the_redelivery_read_by_key_tell_what_ledger_explain_tells_and_each_party_sees_its_own()
    {
        using var folder = new TempFolder();
        await using var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None);
        var rc1 = await MarketLoanWithReclaim(node.Ledger);

        foreach (var id in new[] { "DO1", "DO2", rc1, "RD1" })
        {
            // Every completion journaled at both parties: the node's view equals the store's whole-journal read.
            await Eventually.Until(async () => Text(await Explained(node, id)) == Text(await FromStore(folder.Path, id)), TimeSpan.FromSeconds(10),
                $"{id} explained by key as from whole journals");
        }

        var risks = await Explained(node, "DO2");
        Assert.Equal("DO1", risks.LookAheadPartner);
        Assert.Contains(risks.Steps, s => s.Participant == Occ && s.Side == "middle");
        Assert.Contains(risks.Steps, s => s.Participant == L);

        // The borrower's leg as the borrower sees it: OCC as counterparty, no lender, no lender figures, not OCC's pairing.
        var borrowers = await Explained(node, "DO2", B);
        Assert.Equal([B, "index"], borrowers.Steps.Select(s => s.Participant).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(L, Text(borrowers));
        Assert.DoesNotContain("DO1", Text(borrowers));
        Assert.Null(borrowers.LookAheadPartner);
        Assert.Equal((Occ, B, "completed", "look-ahead", rc1), (borrowers.Deliverer, borrowers.Receiver, borrowers.FinalState, borrowers.CompletedBy, borrowers.ReclaimedBy));
        Assert.All(borrowers.Steps.Where(s => s.Inputs is not null), s => Assert.Equal(50_000.00m, s.Inputs!.CollateralMonitor));

        // The lender's leg as the lender sees it: nothing of the borrower.
        var lenders = await Explained(node, "DO1", L);
        Assert.Equal([L, "index"], lenders.Steps.Select(s => s.Participant).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(B, Text(lenders));
        Assert.DoesNotContain("DO2", Text(lenders));
        Assert.Null(lenders.LookAheadPartner);
        Assert.All(lenders.Steps.Where(s => s.Inputs is not null), s => Assert.Equal(1_000, s.Inputs!.AvailableShares));

        // A bystander gets nothing, for a known id as for an unknown one.
        Assert.Equal(ExplainOutcome.NotAParty, (await node.Explainer.ExplainAsync(new DeliverOrderId("DO2"), new ParticipantId(X), Setup.None)).Outcome);
        Assert.Equal(ExplainOutcome.Unknown, (await node.Explainer.ExplainAsync(new DeliverOrderId("NO-SUCH"), new ParticipantId(X), Setup.None)).Outcome);
    }

    /// <summary>
    /// OCC's account holds 30,000 events that have nothing to do with the loan: explaining a leg reads
    /// its own rows by key, a few dozen at most, where `ledger explain` reads every one; and a
    /// participant refused reads none.
    /// </summary>
    [Fact]
    public async Task An_explanation_on_an_account_with_a_long_journal_reads_only_the_deliver_orders_rows()
    {
        using var folder = new TempFolder();
        await using (var first = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None))
        {
            await Setup.Participant(first.Ledger, Occ, 0m, 0m, marketLoan: false, ccp: true);
        }
        const int unrelated = 30_000;
        AppendUnrelatedEvents(folder.Path, Occ, unrelated);

        await using var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None);
        var rc1 = await MarketLoanWithReclaim(node.Ledger);
        await Eventually.Until(async () => Text(await Explained(node, "DO2")) == Text(await FromStore(folder.Path, "DO2")), TimeSpan.FromSeconds(10),
            "DO2 explained by key as from whole journals");

        var table = node.JournalTable!;
        var before = table.RowsRead;
        var x = await Explained(node, "DO2");
        var read = table.RowsRead - before;

        Assert.True(await AccountReplay.HighestSequenceNrAsync(table, new ParticipantId(Occ), Setup.None) > unrelated);
        Assert.Equal("DO1", x.LookAheadPartner);
        // The steps' own rows, the event before each reservation or completion, no more.
        var steps = x.Steps.Count(s => s.Kind != "registered");
        Assert.InRange(read, steps, 3 * steps);

        // Refused participants: from the registration alone, nothing read, a known id as an unknown one.
        before = table.RowsRead;
        Assert.Equal(ExplainOutcome.NotAParty, (await node.Explainer.ExplainAsync(new DeliverOrderId("DO2"), new ParticipantId(X), Setup.None)).Outcome);
        Assert.Equal(ExplainOutcome.Unknown, (await node.Explainer.ExplainAsync(new DeliverOrderId("NO-SUCH"), new ParticipantId(X), Setup.None)).Outcome);
        Assert.Equal(before, table.RowsRead);
        Assert.Equal(ExplainOutcome.Explained, (await node.Explainer.ExplainAsync(new DeliverOrderId(rc1), new ParticipantId(B), Setup.None)).Outcome);

        // Keyed reads of more numbers than one query takes, in any order: exactly those rows, in sequence order.
        var asked = Enumerable.Range(0, JournalTable.KeysPerQueryMax * 2 + 7).Select(n => 29_000L - 11 * n).ToList();
        before = table.RowsRead;
        var rows = await table.EventsAtAsync(AccountReplay.PersistenceIdOf(new ParticipantId(Occ)), asked, Setup.None);
        Assert.Equal(asked.Order(), rows.Select(r => r.SequenceNr));
        Assert.Equal(asked.Count, table.RowsRead - before);
    }

    /// <summary>
    /// The accounts keep the event index of the current and the last closed business day, as they keep
    /// the records: a deliver order two closes old is answered "not retained" (also after a restart,
    /// which rebuilds the index from the journal), and `ledger explain` still tells it from the store.
    /// </summary>
    [Fact]
    public async Task A_deliver_order_two_closed_days_old_is_not_retained_and_ledger_explain_still_tells_it()
    {
        using var folder = new TempFolder();
        await using (var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None))
        {
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 1_000_000m);
            await Setup.Participant(node.Ledger, "0002", 1_000_000m, 1_000_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
            await node.Ledger.SubmitAsync([Setup.Do("DAY-1", "0001", "0002", 10, 1_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DAY-1", "completed");
            await Eventually.Until(async () => (await Explained(node, "DAY-1")).Steps.Count == 4, TimeSpan.FromSeconds(10), "DAY-1 completed at both parties");
            Assert.True((await node.Ledger.CloseAsync(Setup.None)).Ok);
            await node.Ledger.SubmitAsync([Setup.Do("DAY-2", "0001", "0002", 10, 1_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DAY-2", "completed");
            // The last closed day is still kept.
            Assert.Equal(Text(await FromStore(folder.Path, "DAY-1")), Text(await Explained(node, "DAY-1")));
            Assert.True((await node.Ledger.CloseAsync(Setup.None)).Ok);

            Assert.Equal(ExplainOutcome.NotRetained, (await node.Explainer.ExplainAsync(new DeliverOrderId("DAY-1"), null, Setup.None)).Outcome);
            Assert.Equal(ExplainOutcome.NotRetained, (await node.Explainer.ExplainAsync(new DeliverOrderId("DAY-1"), new ParticipantId("0002"), Setup.None)).Outcome);
            Assert.Equal(Text(await FromStore(folder.Path, "DAY-2")), Text(await Explained(node, "DAY-2")));
        }

        await using (var restarted = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None))
        {
            Assert.Equal(ExplainOutcome.NotRetained, (await restarted.Explainer.ExplainAsync(new DeliverOrderId("DAY-1"), null, Setup.None)).Outcome);
            Assert.Equal(Text(await FromStore(folder.Path, "DAY-2")), Text(await Explained(restarted, "DAY-2")));
        }
        Assert.Equal("completed", (await FromStore(folder.Path, "DAY-1"))!.FinalState);
    }

    [Fact]
    public async Task Explaining_a_folder_without_a_journal_creates_nothing()
    {
        using var folder = new TempFolder();

        await Assert.ThrowsAsync<ReplayStoreException>(() =>
            ExplainReader.ExplainStoreAsync(new StoreSettings(StoreConfig.Sqlite, null, folder.Path), new DeliverOrderId("DO-1"), Setup.None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    /// <summary>
    /// Appends <paramref name="count"/> real, chained events to <paramref name="participant"/>'s journal
    /// with the node stopped, as a long day would have left them: new terms for a security nobody trades.
    /// </summary>
    private static void AppendUnrelatedEvents(string folder, string participant, int count)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        var persistenceId = AccountReplay.PersistenceIdOf(new ParticipantId(participant));
        long sequenceNr;
        string chain;
        using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
            last.Parameters.AddWithValue("$p", persistenceId);
            using var reader = last.ExecuteReader();
            Assert.True(reader.Read());
            sequenceNr = reader.GetInt64(0);
            chain = ((AccountEvent)LedgerSerializer.FromUtf8Json((byte[])reader[1], reader.GetString(2))).Chain ?? EventChain.Genesis;
        }
        var unused = Cusips.Make(999).Value;
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
            VALUES ($created, 0, $p, $seq, $message, NULL, $manifest, 4180, 'explain-test')
            """;
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        insert.Parameters.AddWithValue("$p", persistenceId);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var message = insert.Parameters.Add("$message", SqliteType.Blob);
        var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
        var at = DateTimeOffset.UtcNow;
        for (var i = 1; i <= count; i++)
        {
            AccountEvent e = EventChain.Seal(chain, new SecurityTermsApplied(unused, new TermsData(1_00, 0.5m, i), at));
            chain = e.Chain!;
            created.Value = at.UtcTicks;
            seq.Value = ++sequenceNr;
            message.Value = LedgerSerializer.ToUtf8Json(e);
            manifest.Value = LedgerSerializer.ManifestFor(e.GetType());
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
