using System.Collections.Concurrent;
using Ledger.Recalls.Events;
using Ledger.Recalls.Fin;

namespace Ledger.Recalls.Tests;

/// <summary>
/// The hub in memory, as the adapters will run it: a registry, one mailbox per subscriber with its
/// own journal, and a network that carries <see cref="MailboxOutbound"/> messages between mailboxes.
/// By default the network delivers everything at once, in order; tests that want duplicates,
/// reordering, losses and crashes drive it step by step. Every status message it renders is kept
/// in <see cref="WrittenStatusMessages"/> for the independent parser check.
/// </summary>
public sealed class HubWorld
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 14, 30, 0, TimeSpan.Zero);

    /// <summary>Every status message any world rendered in this test run, with what it was meant to say.</summary>
    public static readonly ConcurrentDictionary<string, StatusAdvice> WrittenStatusMessages = new(StringComparer.Ordinal);

    private readonly Dictionary<ParticipantId, List<MailboxEvent>> _journals = [];
    private readonly Dictionary<ParticipantId, MailboxState> _mailboxes = [];

    public RegistryState Registry { get; private set; } = RegistryState.Empty;

    public List<RegistryEvent> RegistryJournal { get; } = [];

    /// <summary>Messages between mailboxes not yet delivered, in the order they were sent.</summary>
    public List<MailboxOutbound> Network { get; } = [];

    /// <summary>Answers to senders that were held (<see cref="SendPending"/>) and came later.</summary>
    public List<SendAnswer> LateAnswers { get; } = [];

    public DateTimeOffset Now { get; private set; } = Start;

    public LogicalTerminal Hub { get; } = FinWriter.DefaultHubTerminal;

    /// <summary>Deliver network messages at once (true) or leave them for the test to deliver.</summary>
    public bool AutoDeliver { get; set; } = true;

    public DateTimeOffset Tick(int seconds = 1) => Now = Now.AddSeconds(seconds);

    public RegistryDecision DecideRegistry(RegistryCommand command)
    {
        var decision = RegistryDecider.Decide(Registry, command);
        foreach (var e in decision.Events)
        {
            Registry = Registry.Apply(e);
            RegistryJournal.Add(e);
        }
        return decision;
    }

    public HubWorld Subscribe(string participant, string address, string? vendor = null, string? name = null)
    {
        var d = DecideRegistry(new Subscribe(participant, name ?? $"Firm {participant}", address, vendor, Tick()));
        Assert.Null(d.Error);
        return this;
    }

    public HubWorld Letters(string vendor, params string[] participants)
    {
        var d = DecideRegistry(new FileVendorLetters(vendor, $"Vendor {vendor}", participants, Tick()));
        Assert.Null(d.Error);
        return this;
    }

    public MailboxState Mailbox(ParticipantId p)
    {
        if (!_mailboxes.TryGetValue(p, out var state))
        {
            state = new MailboxState(p);
            _mailboxes[p] = state;
            _journals[p] = [];
        }
        return state;
    }

    public MailboxState Mailbox(string p) => Mailbox(new ParticipantId(p));

    public IReadOnlyList<MailboxEvent> Journal(string p) => _journals.TryGetValue(new ParticipantId(p), out var j) ? j : [];

    public IEnumerable<ParticipantId> Mailboxes => _mailboxes.Keys;

    /// <summary>Runs a command at a mailbox: decide, "persist", then let its messages out.</summary>
    public MailboxDecision Run(ParticipantId at, MailboxCommand command)
    {
        var state = Mailbox(at);
        var decision = MailboxDecider.Decide(state, command);
        _journals[at].AddRange(decision.Events);
        LateAnswers.AddRange(decision.Answers);
        Network.AddRange(decision.Messages);
        if (AutoDeliver) DeliverAll();
        return decision;
    }

    /// <summary>What <c>POST /v1/recall-hub/messages</c> answers: a refusal, or the send answer once the receiver confirmed.</summary>
    public SendOutcome Send(Caller caller, string text)
    {
        var screening = SendChecks.Screen(text, caller, Registry);
        if (screening.Refusal is { } refused) return new SendOutcome(null, refused);
        var decision = Run(screening.Taken!.Sender, new SendMessage(screening.Taken, Tick()));
        return decision.Reply switch
        {
            SendAnswer a => new SendOutcome(a, null),
            MailboxRefusal r => new SendOutcome(null, r.Error),
            SendPending p => new SendOutcome(LateAnswers.LastOrDefault(a => a.SenderReference == p.SenderReference), null, Pending: true),
            _ => throw new InvalidOperationException($"unexpected reply {decision.Reply}"),
        };
    }

    public SendOutcome Send(string participant, string text) => Send(new Caller.Participant(new ParticipantId(participant)), text);

    /// <summary>What <c>POST .../mailbox/{participant}/{controlNumber}/retrieve</c> answers.</summary>
    public (RetrievalView? View, HubError? Error) Retrieve(Caller caller, string participant, string controlNumber)
    {
        var owner = new ParticipantId(participant);
        if (HubAccess.ActFor(caller, owner, Registry) is { } denied) return (null, denied);
        var decision = Run(owner, new RetrieveEntry(controlNumber, Tick()));
        return decision.Reply switch
        {
            RetrievalAnswer a => (Render(a.Entry), null),
            MailboxRefusal r => (null, r.Error),
            _ => throw new InvalidOperationException($"unexpected reply {decision.Reply}"),
        };
    }

    public (RetrievalView? View, HubError? Error) Retrieve(string participant, string controlNumber) =>
        Retrieve(new Caller.Participant(new ParticipantId(participant)), participant, controlNumber);

    public RetrievalView Render(MailboxEntry entry)
    {
        var view = MailboxViews.Retrieval(entry, Hub);
        if (entry.Kind != EntryKind.Message) WrittenStatusMessages[view.Message] = MailboxViews.Advice(entry);
        return view;
    }

    public IReadOnlyList<MailboxEntryView> List(string participant, string? after = null, int? limit = null)
    {
        var (entries, error) = MailboxViews.List(Mailbox(participant), after, limit);
        Assert.Null(error);
        return entries!;
    }

    /// <summary>The trace of a control number, as the adapter assembles it from the mailboxes.</summary>
    public TraceView? Trace(string controlNumber)
    {
        var owner = Mailbox(ControlNumber.Owner(controlNumber));
        return Traces.Locate(owner, controlNumber) switch
        {
            TraceLocation.Found f => f.Trace,
            TraceLocation.AskSender a => Traces.Of(a.Sender, Mailbox(a.Sender).FindSent(a.SenderReference)!, a.Delivered),
            _ => null,
        };
    }

    public void DeliverAll()
    {
        while (Network.Count > 0) DeliverAt(0);
    }

    /// <summary>Delivers the network message at <paramref name="index"/> (taking it off the network).</summary>
    public void DeliverAt(int index)
    {
        var message = Network[index];
        Network.RemoveAt(index);
        var auto = AutoDeliver;
        AutoDeliver = false;
        try { Run(message.To, message.Command with { At = Tick() }); }
        finally { AutoDeliver = auto; }
    }

    /// <summary>A crash of a mailbox: its state is rebuilt from its journal alone, and it resends what is unsettled.</summary>
    public void Crash(ParticipantId p)
    {
        Mailbox(p);
        _mailboxes[p] = MailboxState.Replay(p, _journals[p]);
        Network.AddRange(MailboxDecider.Unsettled(_mailboxes[p], Tick()));
    }

    /// <summary>A resend timer firing at every mailbox.</summary>
    public void ResendAll()
    {
        foreach (var p in _mailboxes.Keys.ToList()) Network.AddRange(MailboxDecider.Unsettled(_mailboxes[p], Tick()));
    }
}

/// <summary>What a send got: an answer (possibly after the receiver confirmed), or a refusal.</summary>
public sealed record SendOutcome(SendAnswer? Answer, HubError? Refusal, bool Pending = false)
{
    public string ControlNumber => Answer?.ControlNumber ?? throw new InvalidOperationException($"no control number: {Refusal}");
}

/// <summary>FIN messages written by hand from the standard, as lenders and borrowers would send them.</summary>
public static class Messages
{
    public const string Lender = "0001";
    public const string Borrower = "0002";
    public const string NotSubscribed = "0003";
    public const string LenderAddress = "LENDUS33XXX";
    public const string BorrowerAddress = "BORRUS33XXX";
    public const string NotSubscribedAddress = "NOSBUS33XXX";

    /// <summary>An MT 526 recall notice, lender to borrower: the plain layout of block 4.</summary>
    public static string Recall(string reference = "RCL2612010001", string from = "LENDUS33AXXX", string to = "BORRUS33XXXX", string kind = "RECALL/PART", string shares = "500,") =>
        "{1:F01" + from + "0000000001}{2:I526" + to + "N}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:" + kind + "\r\n" +
        ":21:LOAN778812\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        "APPLE INC COMMON STOCK\r\n" +
        ":36:SHS" + shares + "\r\n" +
        ":30:261203\r\n" +
        ":72:/RECALL/PARTIAL RECALL OF LOAN\r\n" +
        "//LOAN 778812 OPENED 2026-11-02\r\n" +
        "-}";

    /// <summary>An MT 592 cancellation of an earlier message (field 21 names its field 20).</summary>
    public static string Cancel(string reference, string cancels, string from = "LENDUS33AXXX", string to = "BORRUS33XXXX") =>
        "{1:F01" + from + "0000000002}{2:I592" + to + "N}{3:{108:CNLREF1}}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":21:" + cancels + "\r\n" +
        ":11S:526\r\n" +
        "261201\r\n" +
        ":79:PLEASE CANCEL OUR RECALL NOTICE\r\n" +
        "-}{5:{CHK:0123456789AB}}";

    /// <summary>An MT 516 loan confirmation answering a recall, borrower to lender.</summary>
    public static string Confirmation(string reference, string related, string from = "BORRUS33AXXX", string to = "LENDUS33XXXX") =>
        "{1:F01" + from + "0000000003}{2:I516" + to + "N}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":21:" + related + "\r\n" +
        ":23:RECALL\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        ":36:SHS500,\r\n" +
        "-}";

    /// <summary>An MT 540 (receive free) in the qualifier layout: a type the hub does not carry.</summary>
    public static string ReceiveFree(string reference = "SETT0001", string from = "LENDUS33AXXX", string to = "BORRUS33XXXX") =>
        "{1:F01" + from + "0000000004}{2:I540" + to + "N}{4:\r\n" +
        ":16R:GENL\r\n" +
        ":20C::SEME//" + reference + "\r\n" +
        ":23G:NEWM\r\n" +
        ":16S:GENL\r\n" +
        ":16R:TRADDET\r\n" +
        ":98A::SETT//20261203\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        ":16S:TRADDET\r\n" +
        "-}";

    /// <summary>A world with the design page's cast: L and B subscribed, N not.</summary>
    public static HubWorld World() =>
        new HubWorld().Subscribe(Lender, LenderAddress, name: "Lender Securities").Subscribe(Borrower, BorrowerAddress, name: "Borrower Capital");
}
