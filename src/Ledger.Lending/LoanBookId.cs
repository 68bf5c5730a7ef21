namespace Ledger.Lending;

/// <summary>
/// A counterparty pair: the key of one loan book. The two participant ids are kept in ordinal
/// order, so the pair (0002, 0001) and (0001, 0002) are the same book, which holds the loans of
/// both directions between them. A Market Loan's two loans live in two books, (lender, OCC) and
/// (OCC, borrower): no book ever names both firms of a Market Loan.
/// </summary>
public readonly record struct LoanBookId
{
    public ParticipantId First { get; }
    public ParticipantId Second { get; }

    private LoanBookId(ParticipantId first, ParticipantId second)
    {
        First = first;
        Second = second;
    }

    /// <summary>The book of <paramref name="a"/> and <paramref name="b"/>, two different participants.</summary>
    public static LoanBookId Of(ParticipantId a, ParticipantId b)
    {
        var order = string.CompareOrdinal(a.Value, b.Value);
        if (order == 0) throw new ArgumentException($"a loan book needs two different participants, not {a} twice");
        return order < 0 ? new LoanBookId(a, b) : new LoanBookId(b, a);
    }

    /// <summary>"0001-0002".</summary>
    public string Value => $"{First.Value}-{Second.Value}";

    /// <summary>The proposed persistence id of the book's journal.</summary>
    public string PersistenceId => "loan-book-" + Value;

    public bool Contains(ParticipantId participant) => participant == First || participant == Second;

    /// <summary>The other party of the pair.</summary>
    public ParticipantId Other(ParticipantId participant) =>
        participant == First ? Second
        : participant == Second ? First
        : throw new ArgumentException($"{participant} is not a party of book {Value}");

    /// <summary>Reads "0001-0002" (either order of the two ids).</summary>
    public static bool TryParse(string? value, out LoanBookId book)
    {
        book = default;
        if (value is not { Length: 9 } || value[4] != '-') return false;
        var a = value[..4];
        var b = value[5..];
        if (!ParticipantId.IsValid(a) || !ParticipantId.IsValid(b) || a == b) return false;
        book = Of(new ParticipantId(a), new ParticipantId(b));
        return true;
    }

    public override string ToString() => Value;
}
