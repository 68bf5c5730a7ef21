using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Lending;

/// <summary>The arithmetic of a daily mark (lending.md section 2).</summary>
public static class Marks
{
    /// <summary>
    /// Collateral a loan requires: shares x price x margin, rounded half away from zero to the cent.
    /// Exact in decimal: at most 10^10 shares x 10^9 cents x 1.1 is far inside decimal's 28 digits.
    /// </summary>
    public static decimal RequiredCents(long shares, Money price, decimal collateralMargin) =>
        decimal.Round(shares * (decimal)price.Cents * collateralMargin, 0, MidpointRounding.AwayFromZero);

    /// <summary>The mark: required - held. Positive: the borrower owes the lender; negative: the lender owes the borrower.</summary>
    public static Money Mark(Money required, Money held) => required - held;

    /// <summary>Who pays a mark, and who is paid, by its sign.</summary>
    public static (ParticipantId Payer, ParticipantId Payee) Parties(Money mark, ParticipantId lender, ParticipantId borrower) =>
        mark.IsNegative ? (lender, borrower) : (borrower, lender);

    /// <summary>Whether a mark is sent: not zero, and its size at least <paramref name="minimum"/>.</summary>
    public static bool IsSent(Money mark, Money minimum) => mark.Cents != 0 && Math.Abs(mark.Cents) >= minimum.Cents;
}

/// <summary>
/// The id of a mark's payment order, derived from the loan and the mark date alone so that
/// computing the mark again (after a crash, or a resend) names the same payment order:
/// <c>MK-yyyyMMdd-&lt;loan id&gt;</c>, or, when that would pass the 64 characters of a deliver-order
/// id, <c>MK-yyyyMMdd-H&lt;first 40 hex digits of SHA-256 of the loan id&gt;</c>.
/// </summary>
public static class MarkIds
{
    public const string Prefix = "MK-";

    public static DeliverOrderId For(string loanId, DateOnly markDate)
    {
        ArgumentNullException.ThrowIfNull(loanId);
        var head = Prefix + markDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-";
        if (head.Length + loanId.Length <= DeliverOrderId.LengthMax) return new DeliverOrderId(head + loanId);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(loanId)));
        return new DeliverOrderId(head + "H" + hash[..40]);
    }
}
