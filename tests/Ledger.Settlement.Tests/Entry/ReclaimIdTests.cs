using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// A reclaim's id lives in its reclaimer's own namespace (PPPP~reference): no participant's reclaim
/// can take an id OCC will submit, OCC cannot submit into a participant's namespace, and a replay of
/// a recorded day keeps the id a reclaim was filed under, plain ids from before included.
/// </summary>
public sealed class ReclaimIdTests
{
    [Theory]
    [InlineData("R-1", true)]
    [InlineData("D20261208-00001-L", true)]
    [InlineData("a.b:c_d-9", true)]
    [InlineData("", false)]
    [InlineData("R 1", false)]
    [InlineData("0002~R-1", false)] // a reference never holds the separator
    [InlineData("R/1", false)]
    public void A_reference_is_1_to_59_characters_of_OCCs_alphabet(string reference, bool valid) =>
        Assert.Equal(valid, ReclaimId.IsValidReference(reference));

    [Fact]
    public void A_reference_may_be_59_characters_so_that_the_filed_id_stays_within_64()
    {
        var longest = new string('R', ReclaimId.ReferenceLengthMax);
        Assert.Equal(59, longest.Length);
        Assert.True(ReclaimId.IsValidReference(longest));
        Assert.False(ReclaimId.IsValidReference(longest + "R"));
        Assert.Equal(DeliverOrderId.LengthMax, Rc(B, longest).DeliverOrderId.Value.Length);
        Assert.True(DeliverOrderId.IsValid(Rc(B, longest).DeliverOrderId.Value));
    }

    [Fact]
    public void The_filed_id_is_the_participant_number_a_tilde_and_the_reference_and_reads_back()
    {
        var id = Rc(B, "R-1");
        Assert.Equal("0002~R-1", id.DeliverOrderId.Value);
        Assert.True(ReclaimId.TryParse("0002~R-1", out var back));
        Assert.Equal(id, back);
        Assert.True(DeliverOrderId.IsValid("0002~R-1"));
        Assert.False(DeliverOrderId.IsSubmittable("0002~R-1"));
        foreach (var notFiled in new[] { "R-1", "002~R-1", "00020~R-1", "ABCD~R-1", "0002~", "0002~R~1", "0002-R-1" })
        {
            Assert.False(ReclaimId.TryParse(notFiled, out _), notFiled);
        }
    }

    [Fact]
    public void OCC_cannot_submit_an_id_in_a_participants_namespace()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);

        var submission = ledger.Submit(Request("0002~R-1", A, B, 10, 1_000m), At(15));

        Assert.False(submission.Accepted);
        Assert.Equal((EntryRejection.InvalidDeliverOrderId, "id"), (submission.Error!.Rule, submission.Error.Field));
    }

    [Fact]
    public void A_reclaim_named_like_an_id_OCC_submits_later_does_not_block_OCCs_submission()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");

        var reclaim = ledger.Reclaim(Rc(B, "DO-2"), Id("DO-1"), At(15));
        ledger.DeliverAll();
        var occ = ledger.Submit(Request("DO-2", A, B, 100, 10_000m), At(15, 5));
        ledger.DeliverAll();

        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        Assert.Equal("0002~DO-2", reclaim.Id);
        Assert.True(occ.Accepted, occ.Error?.Message);
        Assert.False(occ.Resubmitted);
        Expect(ledger.Order("DO-2"), "completed");
        Assert.Null(ledger.Order("DO-2").ReclaimOf);
        Assert.Equal("DO-1", ledger.Order("0002~DO-2").ReclaimOf);
    }

    [Fact]
    public void Two_participants_may_use_the_same_reference()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Participant(C, 50_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Expect(ledger.Settle("DO-2", A, C, 100, 10_000m), "completed");

        Assert.True(ledger.Reclaim(Rc(B, "R-1"), Id("DO-1"), At(15)).Accepted);
        Assert.True(ledger.Reclaim(Rc(C, "R-1"), Id("DO-2"), At(15)).Accepted);
        ledger.DeliverAll();

        Assert.Equal("DO-1", ledger.Order("0002~R-1").ReclaimOf);
        Assert.Equal("DO-2", ledger.Order("0003~R-1").ReclaimOf);
    }

    [Fact]
    public void Reusing_a_reference_for_another_deliver_order_is_refused_within_the_own_namespace_only()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 200, 20_000m), "completed");
        Assert.True(ledger.Reclaim(Rc(B, "R-1"), Id("DO-1"), At(15)).Accepted);

        var again = ledger.Reclaim(Rc(B, "R-1"), Id("DO-2"), At(15));

        Assert.Equal((EntryRejection.SameIdOtherPayload, "id"), (again.Error!.Rule, again.Error.Field));
    }

    [Fact]
    public void A_bad_reference_is_refused_before_anything_is_looked_up()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m);

        var refused = ledger.Reclaim(Rc(B, "R 1"), Id("NO-SUCH"), At(15));

        Assert.Equal((EntryRejection.InvalidReclaimId, "id", "reclaim-id-format"), (refused.Error!.Rule, refused.Error.Field, refused.Error.RuleName));
    }

    [Fact]
    public void A_replay_keeps_a_plain_reclaim_id_recorded_before_namespaces_and_refuses_another_participants_namespace()
    {
        var ledger = NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 100, 20_000m), "completed");

        var foreign = ledger.ReplayReclaim(P(B), Id("0003~R-1"), Id("DO-2"), At(15));
        var legacy = ledger.ReplayReclaim(P(B), Id("DEMO-00001-R"), Id("DO-1"), At(15));
        ledger.DeliverAll();

        Assert.Equal(EntryRejection.InvalidReclaimId, foreign.Error!.Rule);
        Assert.True(legacy.Accepted, legacy.Error?.Message);
        Expect(ledger.Order("DEMO-00001-R"), "completed");
        Assert.Equal("DO-1", ledger.Order("DEMO-00001-R").ReclaimOf);
    }
}
