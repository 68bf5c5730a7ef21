using System.Globalization;
using Ledger.Settlement;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

public sealed record CrashParticipant(string Id, ParticipantBody Body);

public sealed record CrashSecurity(string Cusip, decimal Price, decimal Haircut);

/// <summary>A deposit of the set-up, under its idempotency id (a retry deposits once).</summary>
public sealed record CrashDeposit(string Id, string Participant, string Cusip, long Shares);

/// <summary>A Market Loan: the lender's leg (L -> OCC) and the borrower's leg (OCC -> B), same CUSIP, shares and amount.</summary>
public sealed record CrashLoan(string LenderLegId, string BorrowerLegId);

/// <summary>A settlement progress payment as the operator sent it, under its idempotency id: sent again after an unknown outcome, it pays once.</summary>
public sealed record CrashPayment(string Id, string Participant, long AmountCents);

/// <summary>
/// The reference data of a crash run, drawn from its seed: OCC as 0900 (central counterparty, net
/// debit cap 0), a handful of Market Loan members with caps and funds, a few securities, and
/// deposits. Caps are small enough that some loans and deliver orders pend on them.
/// </summary>
public sealed record CrashWorld(
    CrashParticipant Occ,
    IReadOnlyList<CrashParticipant> Participants,
    IReadOnlyList<CrashSecurity> Securities,
    IReadOnlyList<CrashDeposit> Deposits)
{
    public const string OccId = "0900";
    public const int ParticipantsCount = 8;
    public const int SecuritiesCount = 5;

    public static CrashWorld Generate(Random random)
    {
        var securities = Enumerable.Range(1, SecuritiesCount).Select(n =>
        {
            var first8 = "CRS" + n.ToString("D5", CultureInfo.InvariantCulture);
            var cusip = first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
            return new CrashSecurity(cusip, random.Next(20, 201), random.Next(0, 31) / 100m);
        }).ToList();
        var participants = Enumerable.Range(1, ParticipantsCount).Select(n =>
        {
            var id = n.ToString("D4", CultureInfo.InvariantCulture);
            // Caps of $0.3M-$3M against loans and orders of up to ~$0.5M each: some pend on the cap until a payment comes.
            var cap = random.Next(3, 31) * 100_000m;
            var fund = random.Next(1, 11) * 50_000m;
            return new CrashParticipant(id, new ParticipantBody($"Crash Participant {id}", cap, fund, MarketLoanProgram: true, CentralCounterparty: false));
        }).ToList();
        var deposits = new List<CrashDeposit>();
        foreach (var p in participants)
        {
            foreach (var s in securities.Where(_ => random.NextDouble() < 0.7))
            {
                deposits.Add(new CrashDeposit($"SETUP-{deposits.Count + 1}", p.Id, s.Cusip, random.Next(5, 51) * 1_000L));
            }
        }
        var occ = new CrashParticipant(OccId, new ParticipantBody("Options Clearing Corporation", 0m, 0m, MarketLoanProgram: false, CentralCounterparty: true));
        return new CrashWorld(occ, participants, securities, deposits);
    }

    public IEnumerable<string> AccountIds => Participants.Select(p => p.Id).Prepend(Occ.Id);

    /// <summary>Shares deposited per CUSIP.</summary>
    public IReadOnlyDictionary<string, long> DepositedShares =>
        Deposits.GroupBy(d => d.Cusip).ToDictionary(g => g.Key, g => g.Sum(d => d.Shares), StringComparer.Ordinal);
}
