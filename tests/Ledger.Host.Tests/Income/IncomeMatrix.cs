using System.Globalization;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>Income tracking's part of the role matrix's world: a pending adjustment RM-ADJ-1 (0001 against 0002) that refused callers act on.</summary>
public static class IncomeMatrix
{
    public const string PendingAdjustment = "RM-ADJ-1";

    public static async Task SetUpAsync(MatrixWorld world)
    {
        await (await world.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/stock-loan-adjustments", "participant-0001",
            $$"""{"id":"{{PendingAdjustment}}","counterparty":"0002","cusip":"{{MatrixWorld.Apple}}","shares":10}""")).AssertOk();
    }

    /// <summary>The node's open business date.</summary>
    public static async Task<DateOnly> BusinessDateAsync(MatrixWorld world) =>
        DateOnly.ParseExact((await (await world.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/stock-loans", "risk-demo")).AssertOk())
            .GetProperty("businessDate").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A fresh pending adjustment entered by 0001 against 0002.</summary>
    public static async Task<string> FreshAdjustmentAsync(MatrixWorld world)
    {
        var id = MatrixWorld.FreshId("RM-ADJ");
        await (await world.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/stock-loan-adjustments", "participant-0001",
            $$"""{"id":"{{id}}","counterparty":"0002","cusip":"{{MatrixWorld.Apple}}","shares":5}""")).AssertOk();
        return id;
    }

    /// <summary>Sets up a participant of its own for a row that changes its standing (merge, retire, terminate).</summary>
    public static async Task ParticipantAsync(MatrixWorld world, string id) =>
        await (await world.Api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", "operator-demo",
            $$"""{"name":"Firm {{id}}","netDebitCap":1000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
}
