using Ledger.Recalls.Events;
using Ledger.Recalls.Fin;
using static Ledger.Recalls.Tests.Messages;

namespace Ledger.Recalls.Tests;

/// <summary>The worked scenarios of recall-hub.md section 7, each as the design page tells it.</summary>
public sealed class WorkedScenarioTests
{
    [Fact]
    public void Scenario1_a_recall_gets_a_control_number_an_acknowledgement_and_reaches_the_borrower_with_block_4_unchanged()
    {
        var world = World();
        var recall = Recall();

        var outcome = world.Send(Lender, recall);

        Assert.Null(outcome.Refusal);
        Assert.True(outcome.Answer!.Available);
        Assert.Equal("available", outcome.Answer.Status);
        var controlNumber = outcome.ControlNumber;
        Assert.StartsWith(Borrower, controlNumber, StringComparison.Ordinal); // the receiver's mailbox numbered it
        var inbox = world.List(Borrower);
        var entry = Assert.Single(inbox);
        Assert.Equal(new MailboxEntryView(controlNumber, "message", "526", Lender, entry.ReceivedAt, false, null), entry);

        var ack = Assert.Single(world.List(Lender));
        Assert.Equal("acknowledgement", ack.Kind);
        Assert.Equal(controlNumber, ack.RelatesTo);
        Assert.Null(ack.Sender);
        var ackText = world.Retrieve(Lender, ack.ControlNumber).View!.Message;
        var advice = FinReader.Read(ackText).Message!;
        Assert.Equal("548", advice.MessageType);
        Assert.Equal(ack.ControlNumber, advice.Field("20C", "SEME")!.Value);
        Assert.Equal("RCL2612010001", advice.Field("20C", "RELA")!.Value);
        Assert.Equal("PACK", advice.Field("25D", "IPRC")!.Value);

        var delivered = FinReader.Read(world.Retrieve(Borrower, controlNumber).View!.Message).Message!;
        var sent = FinReader.Read(recall).Message!;
        Assert.Equal(sent.TextBlock, delivered.TextBlock);
        Assert.EndsWith(sent.TextBlock, recall, StringComparison.Ordinal);
        Assert.Equal(FinDirection.Output, delivered.Application.Direction);
        Assert.Equal("LENDUS33AXXX", delivered.Application.Terminal.Value); // block 2 names the sender
        Assert.Equal("BORRUS33XXXX", delivered.Basic.Terminal.Value); // block 1 the receiver
    }

    [Fact]
    public void Scenario2_the_first_retrieval_creates_one_retrieval_receipt_and_retrieving_again_creates_none()
    {
        var world = World();
        var controlNumber = world.Send(Lender, Recall()).ControlNumber;

        var first = world.Retrieve(Borrower, controlNumber).View!;
        var lenderAfterFirst = world.List(Lender);
        var borrowerJournal = world.Journal(Borrower).Count;
        var lenderJournal = world.Journal(Lender).Count;
        var second = world.Retrieve(Borrower, controlNumber).View!;

        Assert.Equal(first, second);
        Assert.Equal(["acknowledgement", "retrieval-receipt"], lenderAfterFirst.Select(e => e.Kind));
        Assert.Equal(lenderAfterFirst, world.List(Lender));
        Assert.Equal(borrowerJournal, world.Journal(Borrower).Count);
        Assert.Equal(lenderJournal, world.Journal(Lender).Count);
        var receipt = lenderAfterFirst[1];
        Assert.Equal(controlNumber, receipt.RelatesTo);
        var text = FinReader.Read(world.Retrieve(Lender, receipt.ControlNumber).View!.Message).Message!;
        Assert.Equal("RETR", text.Field("25D", "IPRC")!.Value);
        Assert.Equal("LDGR", text.Field("25D", "IPRC")!.Issuer);
        Assert.True(world.List(Borrower).Single().Retrieved);
    }

    [Fact]
    public void Scenario3_a_recall_to_an_address_that_is_not_subscribed_is_rejected_back_and_reaches_nobody()
    {
        var world = World();

        var outcome = world.Send(Lender, Recall(to: "NOSBUS33XXXX"));

        Assert.False(outcome.Answer!.Available);
        Assert.Equal("rejected", outcome.Answer.Status);
        Assert.Equal("receiver-subscribed", outcome.Answer.Rule);
        Assert.StartsWith(Lender, outcome.ControlNumber, StringComparison.Ordinal);
        var reject = Assert.Single(world.List(Lender));
        Assert.Equal("reject", reject.Kind);
        Assert.Equal(outcome.ControlNumber, reject.RelatesTo);
        var text = FinReader.Read(world.Retrieve(Lender, reject.ControlNumber).View!.Message).Message!;
        Assert.Equal("REJT", text.Field("25D", "IPRC")!.Value);
        Assert.Equal("receiver-subscribed", text.Field("70D", "REAS")!.Value);
        Assert.Empty(world.List(NotSubscribed));
        Assert.Empty(world.List(Borrower));
        Assert.Empty(world.Journal(NotSubscribed));
    }

    [Fact]
    public void Scenario4_the_same_reference_and_bytes_again_get_the_same_control_number_and_one_copy_other_bytes_are_refused()
    {
        var world = World();
        var first = world.Send(Lender, Recall());
        var journal = world.Journal(Lender).Count;

        var again = world.Send(Lender, Recall());
        var other = world.Send(Lender, Recall(shares: "600,"));

        Assert.Equal(first.Answer, again.Answer);
        Assert.Single(world.List(Borrower));
        Assert.Single(world.List(Lender)); // one acknowledgement
        Assert.Null(other.Answer);
        Assert.Equal("sender-reference-reused", other.Refusal!.RuleName);
        Assert.Equal("message.block4.20", other.Refusal.Field);
        Assert.Equal(journal, world.Journal(Lender).Count);
        Assert.Single(world.List(Borrower));
    }

    [Fact]
    public void Scenario5_a_vendor_retrieves_for_the_borrower_that_authorized_it_and_may_not_send_for_the_lender()
    {
        var world = World().Letters("V1", Borrower);
        var vendor = new Caller.Vendor("V1");
        var controlNumber = world.Send(Lender, Recall()).ControlNumber;

        var retrieved = world.Retrieve(vendor, Borrower, controlNumber);
        var forLender = world.Send(vendor, Recall(reference: "RCLBYVENDOR"));
        var lenderMailbox = world.Retrieve(vendor, Lender, world.List(Lender)[0].ControlNumber);

        Assert.Null(retrieved.Error);
        Assert.Equal("message", retrieved.View!.Kind);
        Assert.Equal(["acknowledgement", "retrieval-receipt"], world.List(Lender).Select(e => e.Kind));
        Assert.Equal("vendor-authorized", forLender.Refusal!.RuleName);
        Assert.Null(world.Mailbox(Lender).FindSent("RCLBYVENDOR"));
        Assert.Equal("vendor-authorized", lenderMailbox.Error!.RuleName);
        Assert.Equal([world.Registry.Find(new ParticipantId(Borrower))], HubAccess.VisibleSubscribers(vendor, world.Registry));
    }

    [Fact]
    public void Scenario6_at_the_close_the_eligibility_file_for_the_next_date_lists_the_lender_and_the_borrower_and_not_N()
    {
        var world = World();
        var closed = new DateOnly(2026, 12, 1);

        var decision = world.DecideRegistry(new WriteEligibilityFile(closed, EligibilityFile.DateAfterClose(BusinessCalendar.Weekdays, closed), world.Tick()));

        var written = Assert.IsType<EligibilityFileWritten>(Assert.Single(decision.Events));
        Assert.Equal("2026-12-02", written.BusinessDate);
        Assert.Equal(
            "participant,name,address,vendor\r\n" +
            "0001,Lender Securities,LENDUS33XXX,\r\n" +
            "0002,Borrower Capital,BORRUS33XXX,\r\n",
            world.Registry.EligibilityFiles[new DateOnly(2026, 12, 2)]);
        Assert.DoesNotContain(NotSubscribed, written.Csv, StringComparison.Ordinal);
    }
}
