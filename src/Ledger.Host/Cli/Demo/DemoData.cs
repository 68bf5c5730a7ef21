using System.Globalization;
using Ledger.Settlement;

namespace Ledger.Host.Verbs;

/// <summary>What a demo loan is meant to show. The ledger decides what actually happens; the demo reports it by kind.</summary>
public enum LoanKind
{
    /// <summary>Lender holds the shares, borrower has room: the pair should complete together by look-ahead.</summary>
    LookAhead = 1,

    /// <summary>Its borrower borrows about twice its net debit cap in all: loans beyond the cap pend until the borrower's settlement progress payment.</summary>
    NetDebitCap = 2,

    /// <summary>The two legs differ by one share or one cent: they must never settle.</summary>
    Mismatched = 3,

    /// <summary>The lender holds none of the security: the pair pends for position and drops at the cutoff.</summary>
    LenderShort = 4,

    /// <summary>Both parties are outside the Market Loan Program: both legs are rejected at entry.</summary>
    NonMember = 5,

    /// <summary>Completes, then the borrower reclaims the OCC -> borrower leg and OCC redelivers to the lender.</summary>
    ReclaimRedelivered = 6,

    /// <summary>Completes, then the borrower reclaims the OCC -> borrower leg and OCC does not redeliver.</summary>
    ReclaimNotRedelivered = 7,
}

public enum DemoRole
{
    Occ = 1,
    Member = 2,
    /// <summary>A Market Loan member with a small net debit cap, borrowing over it.</summary>
    TightBorrower = 3,
    NonMember = 4,
}

public sealed record DemoParticipant(string Id, string Name, decimal NetDebitCap, decimal ParticipantsFund, bool MarketLoanProgram, bool CentralCounterparty, DemoRole Role)
{
    public ParticipantBody Body => new(Name, NetDebitCap, ParticipantsFund, MarketLoanProgram, CentralCounterparty);
}

public sealed record DemoSecurity(string Cusip, decimal Price, decimal Haircut);

/// <summary>A deposit; <see cref="Id"/> is its idempotency id, so that a retry deposits once.</summary>
public sealed record DemoDeposit(string Id, string Participant, string Cusip, long Shares);

/// <summary>A settlement progress payment; <see cref="Id"/> is its idempotency id, so that a retry pays once.</summary>
public sealed record DemoPayment(string Id, string Participant, decimal Amount);

/// <summary>
/// One loan: OCC's two locked-in deliver orders (lender -> OCC, OCC -> borrower), and for the
/// reclaim kinds the borrower's reclaim of the second and OCC's redelivery to the lender.
/// </summary>
public sealed record DemoLoan(int Number, LoanKind Kind, DeliverOrderLine LenderLeg, DeliverOrderLine BorrowerLeg, string ReclaimId, DeliverOrderLine? Redelivery)
{
    public string Lender => LenderLeg.Deliverer;
    public string Borrower => BorrowerLeg.Receiver;
    public bool Reclaims => Kind is LoanKind.ReclaimRedelivered or LoanKind.ReclaimNotRedelivered;
}

/// <summary>A generated Market Loan day: reference data, deposits, loans in the order OCC sends them, and payments.</summary>
public sealed record DemoPlan(
    int Seed,
    string Prefix,
    DemoParticipant Occ,
    IReadOnlyList<DemoParticipant> Participants,
    IReadOnlyList<DemoSecurity> Securities,
    IReadOnlyList<DemoDeposit> Deposits,
    IReadOnlyList<DemoLoan> Loans,
    IReadOnlyList<DeliverOrderLine> SubmissionOrder,
    IReadOnlyList<DemoPayment> Payments);

/// <summary>
/// Generates a Market Loan day from a seed: the same seed and loan count give the same day. This
/// is demo data, not a rule: what completes, pends or drops is for the ledger to decide.
/// </summary>
public static class DemoData
{
    public const string OccId = "0900";
    public const string ReasonCode = "MLP-LOAN";
    public const string ReclaimReasonCode = "MLP-RECLAIM";

    /// <summary>Cash collateral of a stock loan: 102% of market value.</summary>
    public const decimal CollateralRate = 1.02m;

    private static readonly (LoanKind Kind, decimal Share)[] Mix =
    [
        (LoanKind.NetDebitCap, 0.05m),
        (LoanKind.Mismatched, 0.04m),
        (LoanKind.LenderShort, 0.02m),
        (LoanKind.NonMember, 0.02m),
        (LoanKind.ReclaimRedelivered, 0.05m),
        (LoanKind.ReclaimNotRedelivered, 0.03m),
    ];

    private static readonly string[] NameStems =
    [
        "Hudson River", "Meridian", "Bayard", "Kestrel", "Pinnacle Point", "Harborview", "Stonebridge", "Lexington Square",
        "Cobalt", "Summit Ridge", "Atlas", "Beacon Hill", "Granite Bay", "Northfield", "Ashford", "Crescent",
        "Whitmore", "Evergreen", "Keystone", "Redwood", "Sterling Lane", "Fairhaven", "Oakmont", "Larkspur",
        "Brightwater", "Halcyon", "Ironwood", "Westbrook", "Juniper", "Mariner", "Tidewater", "Carrington",
        "Easton", "Foxhall", "Glenmore", "Hollis", "Kingsbury", "Lyndon", "Marlow", "Pemberton",
        "Quarry Hill", "Ravenscroft", "Saltmarsh", "Thornbury", "Upland", "Vantage", "Wexford", "Yardley",
    ];

    private static readonly string[] NameSuffixes =
    [
        "Securities LLC", "Capital Markets Inc.", "Clearing Corp.", "& Co. LLC", "Prime Services LLC", "Brokerage Inc.",
        "Trust Company", "Financial Services LLC", "Securities Corp.", "Markets LP",
    ];

    private static readonly decimal[] Haircuts = [0m, 0.05m, 0.10m, 0.15m, 0.20m, 0.25m, 0.30m];

    public static int ParticipantCount(int loans) => Math.Clamp((int)Math.Round(loans / 50.0), 10, 40);

    public static int SecurityCount(int loans) => Math.Clamp(loans / 6, 20, 400);

    public static DemoPlan Generate(int seed, int loans, string prefix)
    {
        if (loans < 1) throw new ArgumentOutOfRangeException(nameof(loans), "at least one loan");
        var rng = new Random(seed);

        var securities = Securities(rng, SecurityCount(loans));
        var price = securities.ToDictionary(s => s.Cusip, s => s.Price);

        // Who is who: a few outside the Market Loan Program, a few that borrow over small caps, the rest members.
        var counts = KindCounts(loans);
        var participantCount = ParticipantCount(loans);
        var tightCount = Math.Clamp((int)Math.Ceiling(counts[LoanKind.NetDebitCap] / 5.0), counts[LoanKind.NetDebitCap] > 0 ? 1 : 0, participantCount / 5);
        var nonMemberCount = 2;
        var ids = Enumerable.Range(5, participantCount).Select(n => n.ToString("D4", CultureInfo.InvariantCulture)).ToList();
        var roles = Enumerable.Repeat(DemoRole.NonMember, nonMemberCount)
            .Concat(Enumerable.Repeat(DemoRole.TightBorrower, tightCount))
            .Concat(Enumerable.Repeat(DemoRole.Member, participantCount - nonMemberCount - tightCount))
            .ToArray();
        rng.Shuffle(roles);
        var names = NameStems.OrderBy(_ => rng.Next()).Take(participantCount)
            .Select(stem => $"{stem} {NameSuffixes[rng.Next(NameSuffixes.Length)]}").ToList();
        var role = ids.Select((id, i) => (id, role: roles[i])).ToDictionary(x => x.id, x => x.role);
        var members = ids.Where(id => role[id] == DemoRole.Member).ToList();
        var tight = ids.Where(id => role[id] == DemoRole.TightBorrower).ToList();
        var nonMembers = ids.Where(id => role[id] == DemoRole.NonMember).ToList();

        // Each member lends from an inventory of a few securities.
        var inventory = members.ToDictionary(id => id, _ => securities.OrderBy(_ => rng.Next()).Take(rng.Next(4, 12)).Select(s => s.Cusip).ToList());

        var kinds = counts.SelectMany(kv => Enumerable.Repeat(kv.Key, kv.Value)).ToArray();
        rng.Shuffle(kinds);
        // Short lenders are placed last: they need a security their lender neither lends nor borrows elsewhere.
        kinds = kinds.OrderBy(k => k == LoanKind.LenderShort ? 1 : 0).ToArray();

        var loanList = new List<DemoLoan>(loans);
        // No two loans share a security and a number of shares (so neither an amount): OCC's look-ahead
        // pairs any receive with any delivery of the same terms, and the demo wants each loan's legs
        // to be able to pair only with each other, so that what happens to a loan is that loan's story.
        var terms = new HashSet<(string, long)>();
        var tightLoans = 0;
        var lent = new Dictionary<(string, string), long>();
        var borrowedCusips = new HashSet<(string, string)>();
        var borrowed = new Dictionary<string, decimal>();
        for (var n = 1; n <= loans; n++)
        {
            var kind = kinds[n - 1];
            string lender, borrower, cusip;
            long shares;
            switch (kind)
            {
                case LoanKind.NonMember:
                    lender = nonMembers[0];
                    borrower = nonMembers[1];
                    cusip = securities[rng.Next(securities.Count)].Cusip;
                    shares = Lots(rng);
                    break;
                case LoanKind.NetDebitCap:
                    lender = members[rng.Next(members.Count)];
                    borrower = tight[tightLoans++ % tight.Count];
                    cusip = inventory[lender][rng.Next(inventory[lender].Count)];
                    shares = Lots(rng);
                    break;
                case LoanKind.LenderShort:
                    lender = members[rng.Next(members.Count)];
                    borrower = Other(rng, members, lender);
                    var l = lender;
                    var free = securities.Select(s => s.Cusip)
                        .Where(c => !inventory[l].Contains(c) && !borrowedCusips.Contains((l, c))).ToList();
                    if (free.Count == 0)
                    {
                        kind = LoanKind.LookAhead;
                        goto default;
                    }
                    cusip = free[rng.Next(free.Count)];
                    shares = Lots(rng);
                    break;
                default:
                    lender = members[rng.Next(members.Count)];
                    borrower = Other(rng, members, lender);
                    cusip = inventory[lender][rng.Next(inventory[lender].Count)];
                    shares = Lots(rng);
                    break;
            }
            while (!terms.Add((cusip, shares))) shares += 100;
            var amount = decimal.Round(shares * price[cusip] * CollateralRate, 2, MidpointRounding.AwayFromZero);
            var number = n.ToString("D5", CultureInfo.InvariantCulture);
            var lenderLeg = new DeliverOrderLine($"{prefix}-{number}-L", lender, OccId, cusip, shares, amount, ReasonCode);
            var borrowerLeg = new DeliverOrderLine($"{prefix}-{number}-B", OccId, borrower, cusip, shares, amount, ReasonCode);
            if (kind == LoanKind.Mismatched)
            {
                var oneShare = rng.Next(2) == 0;
                var changeBorrowerLeg = rng.Next(2) == 0;
                var leg = changeBorrowerLeg ? borrowerLeg : lenderLeg;
                leg = oneShare ? leg with { Shares = leg.Shares + 1 } : leg with { Amount = leg.Amount + 0.01m };
                if (changeBorrowerLeg) borrowerLeg = leg;
                else lenderLeg = leg;
            }
            var redelivery = kind == LoanKind.ReclaimRedelivered
                ? new DeliverOrderLine($"{prefix}-{number}-RD", OccId, lender, cusip, shares, amount, ReclaimReasonCode)
                : null;
            loanList.Add(new DemoLoan(n, kind, lenderLeg, borrowerLeg, $"{prefix}-{number}-R", redelivery));

            if (kind is not (LoanKind.NonMember or LoanKind.LenderShort))
                lent[(lender, cusip)] = lent.GetValueOrDefault((lender, cusip)) + lenderLeg.Shares;
            borrowedCusips.Add((borrower, cusip));
            borrowed[borrower] = borrowed.GetValueOrDefault(borrower) + Math.Max(lenderLeg.Amount, borrowerLeg.Amount);
        }

        // Tight borrowers' caps: a half or so of what they borrow, so that the later loans pend.
        var tightCap = tight.ToDictionary(id => id, id => Math.Max(10_000m, Round(borrowed.GetValueOrDefault(id) * (decimal)(0.4 + 0.25 * rng.NextDouble()), 10_000)));

        // Caps and funds: members get room for everything they borrow, and collateral for the haircuts and the 2% margin.
        var participants = ids.Select((id, i) =>
        {
            var total = borrowed.GetValueOrDefault(id);
            var (cap, fund) = role[id] switch
            {
                DemoRole.TightBorrower => (tightCap[id], Math.Max(Round(0.4m * total, 100_000, up: true), tightCap[id] / 2)),
                DemoRole.NonMember => (Round(LogUniform(rng, 5_000_000, 50_000_000), 1_000_000), Round(LogUniform(rng, 1_000_000, 10_000_000), 100_000)),
                _ => (Math.Max(Round(LogUniform(rng, 5_000_000, 1_500_000_000), 1_000_000), Round(1.25m * total, 1_000_000, up: true)),
                      Math.Max(Round(LogUniform(rng, 1_000_000, 50_000_000), 100_000), Round(0.4m * total, 100_000, up: true))),
            };
            return new DemoParticipant(id, names[i], cap, fund, role[id] != DemoRole.NonMember, false, role[id]);
        }).ToList();
        var occ = new DemoParticipant(OccId, "The Options Clearing Corporation (Market Loan)", 0m, 0m, false, true, DemoRole.Occ);

        // Deposits: what each lender lends of each security in its inventory, plus some to spare.
        var deposits = inventory.SelectMany(kv => kv.Value.Select(c => (Participant: kv.Key, Cusip: c, Shares: lent.GetValueOrDefault((kv.Key, c)) + 100L * rng.Next(1, 50))))
            .Select((d, i) => new DemoDeposit($"{prefix}-DEP-{i + 1:D5}", d.Participant, d.Cusip, d.Shares))
            .ToList();

        // Payments: each tight borrower wires enough to take all it borrows.
        var payments = tight
            .Select(id => (Participant: id, Amount: Round(borrowed.GetValueOrDefault(id) - tightCap[id] + 1_000m, 1_000, up: true)))
            .Where(p => p.Amount > 0)
            .Select((p, i) => new DemoPayment($"{prefix}-SPP-{i + 1:D5}", p.Participant, p.Amount))
            .ToList();

        return new DemoPlan(seed, prefix, occ, participants, securities, deposits, loanList, SubmissionOrder(rng, loanList), payments);
    }

    /// <summary>
    /// The order OCC sends the legs in: the lender's leg first or the borrower's, about evenly, and
    /// some pairs far apart (the second leg a fifth to a half of the day later).
    /// </summary>
    private static List<DeliverOrderLine> SubmissionOrder(Random rng, List<DemoLoan> loans)
    {
        var keyed = new List<(double Key, int Tie, DeliverOrderLine Order)>(loans.Count * 2);
        var tie = 0;
        foreach (var loan in loans)
        {
            var (first, second) = rng.Next(2) == 0 ? (loan.LenderLeg, loan.BorrowerLeg) : (loan.BorrowerLeg, loan.LenderLeg);
            var key = loan.Number + rng.NextDouble() * 0.5;
            var far = rng.NextDouble() < 0.15;
            var later = far ? key + loans.Count * (0.2 + 0.3 * rng.NextDouble()) : key + rng.NextDouble() * 2;
            keyed.Add((key, tie++, first));
            keyed.Add((later, tie++, second));
        }
        return keyed.OrderBy(k => k.Key).ThenBy(k => k.Tie).Select(k => k.Order).ToList();
    }

    private static Dictionary<LoanKind, int> KindCounts(int loans)
    {
        var counts = new Dictionary<LoanKind, int>();
        var rest = loans;
        foreach (var (kind, share) in Mix)
        {
            var count = (int)Math.Round(share * loans, MidpointRounding.AwayFromZero);
            if (loans >= 20) count = Math.Max(1, count);
            count = Math.Min(count, rest);
            counts[kind] = count;
            rest -= count;
        }
        counts[LoanKind.LookAhead] = rest;
        return counts;
    }

    /// <summary>Securities with made-up issuers (six characters, an issue number) and a valid check digit.</summary>
    private static List<DemoSecurity> Securities(Random rng, int count)
    {
        const string alphanumeric = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<DemoSecurity>(count);
        while (list.Count < count)
        {
            var chars = new char[8];
            chars[0] = (char)('0' + rng.Next(10));
            for (var i = 1; i < 6; i++) chars[i] = alphanumeric[rng.Next(alphanumeric.Length)];
            chars[6] = (char)('1' + rng.Next(3));
            chars[7] = '0';
            var first8 = new string(chars);
            if (!seen.Add(first8)) continue;
            var cusip = first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
            var price = decimal.Round((decimal)LogUniform(rng, 5, 500), 2);
            list.Add(new DemoSecurity(cusip, price, Haircuts[rng.Next(Haircuts.Length)]));
        }
        return list;
    }

    /// <summary>Round lots of 100, from 100 to 50,000 shares, small ones commoner.</summary>
    private static long Lots(Random rng) => 100L * (long)Math.Round(LogUniform(rng, 1, 500));

    private static string Other(Random rng, List<string> ids, string not)
    {
        while (true)
        {
            var id = ids[rng.Next(ids.Count)];
            if (id != not) return id;
        }
    }

    private static decimal LogUniform(Random rng, double low, double high) =>
        (decimal)Math.Exp(Math.Log(low) + rng.NextDouble() * (Math.Log(high) - Math.Log(low)));

    private static decimal Round(decimal value, decimal step, bool up = false) =>
        (up ? Math.Ceiling(value / step) : Math.Max(1, Math.Round(value / step))) * step;
}
