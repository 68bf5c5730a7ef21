using Ledger.Cluster;
using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

internal static class Cusips
{
    /// <summary>Apple's CUSIP, valid check digit.</summary>
    public static readonly Cusip Apple = new("037833100");

    /// <summary>Makes a valid CUSIP from a number, for workloads that need many.</summary>
    public static Cusip Make(int n)
    {
        var first8 = "LDG" + n.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        return new Cusip(first8 + Cusip.CheckDigit(first8));
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns true, failing with <paramref name="what"/> after <paramref name="limit"/>.</summary>
    public static async Task Until(Func<Task<bool>> probe, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not reached within {limit}: {what}");
            await Task.Delay(20);
        }
    }

    public static async Task<DeliverOrderView> Status(ILedger ledger, string id, string status, TimeSpan? limit = null)
    {
        DeliverOrderView? view = null;
        await Until(async () =>
        {
            view = await ledger.DeliverOrderAsync(new DeliverOrderId(id), CancellationToken.None);
            return view?.Status == status;
        }, limit ?? TimeSpan.FromSeconds(15), $"{id} {status} (last seen {view?.Status})");
        return view!;
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ledger-test-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class Setup
{
    public static readonly CancellationToken None = CancellationToken.None;

    public static async Task Participant(ILedger ledger, string id, decimal netDebitCap, decimal fund, bool marketLoan = false, bool ccp = false)
    {
        var result = await ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "Participant " + id,
            Money.FromDollars(netDebitCap), Money.FromDollars(fund), marketLoan, ccp), None);
        Assert.True(result.Ok, result.Message);
    }

    public static DeliverOrderRequest Do(string id, string from, string to, long shares, decimal amount, Cusip? cusip = null) =>
        new(id, from, to, (cusip ?? Cusips.Apple).Value, shares, amount, "SL");
}
