using System.Security.Cryptography;
using System.Text;
using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// The check every ledger journal goes through as it is read (an entity's recovery, `ledger verify`,
/// a replay): consecutive events, each readable, of its journal's kind and matching its hash chain.
/// </summary>
public sealed class JournalCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    private static DeliverOrderRegistered Registered(int n) =>
        new($"DO-{n}", "0005", "0900", $"sha256:{n:x32}", T0.AddSeconds(n), "2026-12-07");

    private static List<object> Sealed(IEnumerable<object> events)
    {
        var chain = EventChain.Genesis;
        var sealedEvents = new List<object>();
        foreach (var e in events)
        {
            var s = EventChain.Seal(chain, e);
            chain = EventChain.ChainOf(s)!;
            sealedEvents.Add(s);
        }
        return sealedEvents;
    }

    private static JournalCheck Check(string persistenceId, IReadOnlyList<object> events, long firstSequenceNr = 1)
    {
        var check = new JournalCheck(persistenceId);
        for (var i = 0; i < events.Count; i++)
        {
            if (!check.Take(firstSequenceNr + i, events[i])) break;
        }
        return check;
    }

    /// <summary>The chain as the first release defined it, byte for byte: stored account chains must keep verifying.</summary>
    private static string FirstReleaseHashOf(string previous, object unsealedEvent)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(previous));
        sha.AppendData("|"u8);
        sha.AppendData(Encoding.UTF8.GetBytes(LedgerSerializer.ManifestFor(unsealedEvent.GetType())));
        sha.AppendData("|"u8);
        sha.AppendData(LedgerSerializer.ToUtf8Json(unsealedEvent));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Theory]
    [MemberData(nameof(LedgerSerializerTests.AllManifests), MemberType = typeof(LedgerSerializerTests))]
    public void The_chain_of_every_event_type_is_sha256_of_previous_manifest_and_bytes_as_first_defined(string manifest)
    {
        var sample = SampleEvents.ByType[LedgerSerializer.Manifests.Single(p => p.Value == manifest).Key];
        const string previous = "9f9b3d27d5ca5babde685af15cae53b1e9dc20de45c81a125498f89e71fa5060";
        Assert.Equal(FirstReleaseHashOf(previous, sample), EventChain.HashOf(previous, sample));
        // Whatever chain an event carries is left out of its own hash.
        Assert.Equal(EventChain.HashOf(previous, sample), EventChain.HashOf(previous, EventChain.Seal("other", sample)));
    }

    [Fact]
    public void Reference_and_index_events_without_a_chain_keep_their_bytes_and_an_order_inside_a_batch_carries_none()
    {
        var batch = (DeliverOrdersRegistered)SampleEvents.ByType[typeof(DeliverOrdersRegistered)];
        Assert.DoesNotContain("chain", Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(batch)), StringComparison.Ordinal);
        var sealedBatch = Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(EventChain.Seal(EventChain.Genesis, batch)));
        Assert.Equal(1, sealedBatch.Split("\"chain\"").Length - 1);
        Assert.DoesNotContain("chain", Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(SampleEvents.ByType[typeof(BusinessDayOpened)])), StringComparison.Ordinal);
    }

    [Fact]
    public void An_intact_chained_journal_is_taken_whole_and_its_chain_is_what_the_next_event_follows()
    {
        var events = Sealed([Registered(1), new DeliverOrdersRegistered([Registered(2), Registered(3)], T0), Registered(4)]);
        var check = Check("deliver-order-index-7", events);
        Assert.True(check.Intact, check.Finding?.ToString());
        Assert.Equal(3, check.Events);
        Assert.Equal(0, check.UnchainedEvents);
        Assert.Equal(EventChain.ChainOf(events[^1]), check.Chain);
        Assert.True(check.End(3));
    }

    [Fact]
    public void An_edited_event_that_is_still_valid_does_not_match_and_nothing_after_it_is_taken()
    {
        var events = Sealed([
            new SettlementProgressPaymentReceived(100_00, T0), new SettlementProgressPaymentReceived(200_00, T0.AddSeconds(1)),
            new SettlementProgressPaymentReceived(300_00, T0.AddSeconds(2))]);
        events[1] = ((SettlementProgressPaymentReceived)events[1]) with { AmountCents = 200_01 };
        var check = Check("account-0005", events);
        var finding = Assert.IsType<JournalFinding>(check.Finding);
        Assert.Equal((2L, JournalFindingKind.NotMatching, "not-matching"), (finding.SequenceNr, finding.Kind, finding.Name));
        Assert.Equal("account.settlement-progress-payment-received.v1", finding.Manifest);
        Assert.Equal(1, check.Events);
        Assert.False(check.Take(3, events[2]));
        Assert.StartsWith("account-0005: event 2 (account.settlement-progress-payment-received.v1) does not match its hash chain", finding.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gap_in_sequence_numbers_is_the_first_missing_event()
    {
        var events = Sealed([Registered(1), Registered(2), Registered(3)]);
        var check = new JournalCheck("deliver-order-index-3");
        Assert.True(check.Take(1, events[0]));
        Assert.False(check.Take(3, events[2]));
        var finding = check.Finding!;
        Assert.Equal((2L, JournalFindingKind.Missing), (finding.SequenceNr, finding.Kind));
        Assert.Equal("deliver-order-index-3: event 2 is missing: the journal goes from event 1 to event 3", finding.ToString());

        var late = new JournalCheck("account-0001");
        Assert.False(late.Take(2, Sealed([new SettlementProgressPaymentReceived(1, T0)])[0]));
        Assert.Equal((1L, JournalFindingKind.Missing), (late.Finding!.SequenceNr, late.Finding.Kind));
    }

    [Fact]
    public void An_event_missing_at_the_end_shows_against_the_stores_highest_sequence_number()
    {
        var check = Check("reference", Sealed([new BusinessDayOpened("2026-12-07", T0)]));
        Assert.False(check.End(2));
        Assert.Equal((2L, JournalFindingKind.Missing), (check.Finding!.SequenceNr, check.Finding.Kind));
    }

    [Fact]
    public void An_unreadable_event_or_one_of_another_journal_is_unreadable()
    {
        var check = new JournalCheck("account-0005");
        Assert.False(check.Take(1, new UnreadableEvent("account.delivery-completed.v1", "'}' is invalid")));
        Assert.Equal((1L, JournalFindingKind.Unreadable, "account.delivery-completed.v1"), (check.Finding!.SequenceNr, check.Finding.Kind, check.Finding.Manifest));
        Assert.Contains("is unreadable: '}' is invalid", check.Finding.ToString(), StringComparison.Ordinal);

        var wrongKind = new JournalCheck("account-0005");
        Assert.False(wrongKind.Take(1, EventChain.Seal(EventChain.Genesis, Registered(1))));
        Assert.Equal(JournalFindingKind.Unreadable, wrongKind.Finding!.Kind);
    }

    [Fact]
    public void An_account_event_without_a_chain_was_stripped()
    {
        var check = Check("account-0005", [new SettlementProgressPaymentReceived(100_00, T0)]);
        Assert.Equal((1L, JournalFindingKind.NotMatching), (check.Finding!.SequenceNr, check.Finding.Kind));
        Assert.Contains("carries no chain", check.Finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Index_and_reference_journals_may_open_with_unchained_events_which_the_first_chained_event_then_vouches_for()
    {
        // Written before buckets were chained: recovered as before, counted as unchained.
        List<object> legacy = [Registered(1), Registered(2)];
        var check = Check("deliver-order-index-9", legacy);
        Assert.True(check.Intact);
        Assert.Equal((2L, 2L), (check.Events, check.UnchainedEvents));

        // A node of this release writes on, chaining from the legacy events.
        var next = EventChain.Seal(check.Chain, Registered(3));
        List<object> journal = [.. legacy, next];
        var whole = Check("deliver-order-index-9", journal);
        Assert.True(whole.Intact, whole.Finding?.ToString());
        Assert.Equal((3L, 2L), (whole.Events, whole.UnchainedEvents));

        // From then on an edit to a legacy event shows at the first chained event.
        List<object> edited = [legacy[0], ((DeliverOrderRegistered)legacy[1]) with { Receiver = "0006" }, next];
        var tampered = Check("deliver-order-index-9", edited);
        Assert.Equal((3L, JournalFindingKind.NotMatching), (tampered.Finding!.SequenceNr, tampered.Finding.Kind));

        // And an unchained event after a chained one was stripped.
        var stripped = Check("reference", [.. Sealed([new BusinessDayOpened("2026-12-07", T0)]), new RecycleCutoffStarted("2026-12-07", T0)]);
        Assert.Equal((2L, JournalFindingKind.NotMatching), (stripped.Finding!.SequenceNr, stripped.Finding.Kind));
    }

    [Fact]
    public void Only_the_ledgers_own_journals_are_checked()
    {
        Assert.Equal(JournalKind.Account, Journals.KindOf("account-0900"));
        Assert.Equal(JournalKind.DeliverOrderIndex, Journals.KindOf("deliver-order-index-63"));
        Assert.Equal(JournalKind.Reference, Journals.KindOf("reference"));
        Assert.Null(Journals.KindOf("/sharding/accountShard/30"));
        Assert.Throws<ArgumentException>(() => new JournalCheck("/system/sharding/accountCoordinator/singleton/coordinator"));
    }
}
