using System.Text;
using System.Text.Json;
using CsCheck;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// The recall hub's share of <see cref="HostileInputTests"/>: requests to every hub endpoint the node
/// must refuse (problem+json naming the rule and the field), none of which may change a mailbox or
/// the registry. HostileWorld subscribes 0001 (LENDUS33XXX) and 0002 (BORRUS33XXX) and files
/// DEMOVEND's letter for 0002; 0003 and 0004 are not subscribed.
/// </summary>
internal static class RecallHostileRequests
{
    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static Gen<T> Any<T>(params Gen<T>[] gens) => Gen.Int[0, gens.Length - 1].SelectMany(i => gens[i]);

    private static Hostile Post(string kind, string path, string token, string body) =>
        new(kind, "POST", path, "Bearer " + token, "application/json", Encoding.UTF8.GetBytes(body));

    private static Hostile Put(string kind, string path, string token, string body) =>
        new(kind, "PUT", path, "Bearer " + token, "application/json", Encoding.UTF8.GetBytes(body));

    private static Hostile Get(string kind, string path, string token) => new(kind, "GET", path, "Bearer " + token, null, null);

    private static string Message(string text) => JsonSerializer.Serialize(new { message = text });

    /// <summary>Ways a FIN message is broken before the hub may take it (each refused: no control number).</summary>
    private static readonly Gen<string> BadMessage = Any(
        Pick(
            "",
            "{1:F01LENDUS33AXXX0000000001}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\n:20:REF1\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:23:RECALL/PART\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:/REF\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:" + new string('R', 17) + "\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:O5261200261201LENDUS33AXXX00000000012612011200N}{4:\r\n:20:REF1\r\n-}",
            "{1:A01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n-}trailing",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:16R:GENL\r\n:20:REF1\r\n-}",
            "{1:F01lendus33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:RÉF1\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{3:{108:ABC\u202E}}{4:\r\n:20:REF1\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n:72:" + new string('X', 10_600) + "\r\n-}",
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF1\r\n:72:\u0000\r\n-}"),
        Gen.String[0, 60].Select(s => "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n" + s));

    /// <summary>Messages well formed but sent by a caller who may not send them (refused: 403, nothing taken).</summary>
    private static readonly Gen<(string Token, string Text)> ForeignSender = Pick(
        ("participant-0002", RecallMessages.Recall("HX-FOREIGN")),
        ("participant-0003", RecallMessages.Recall("HX-NOSUB", from: "NOSBUS33AXXX")),
        ("vendor-demo", RecallMessages.Recall("HX-VENDOR")),
        ("participant-0002", RecallMessages.ReceiveFree("HX-TYPE")));

    public static readonly Gen<Hostile> Recalls = Any(
        BadMessage.Select(text => Post("recalls: bad message", "/v1/recall-hub/messages", "participant-0001", Message(text))),
        ForeignSender.Select(s => Post("recalls: not the caller's sender", "/v1/recall-hub/messages", s.Token, Message(s.Text))),
        Pick(
            Post("recalls: message not a string", "/v1/recall-hub/messages", "participant-0001", """{"message":526}"""),
            Post("recalls: message null", "/v1/recall-hub/messages", "participant-0001", """{"message":null}"""),
            Post("recalls: unknown field", "/v1/recall-hub/messages", "participant-0001", """{"message":"x","receiver":"0002"}"""),
            Post("recalls: body an array", "/v1/recall-hub/messages", "participant-0001", """["x"]"""),
            Post("recalls: wrong role", "/v1/recall-hub/messages", "operator-demo", Message(RecallMessages.Recall("HX-OP"))),
            Post("recalls: wrong role", "/v1/recall-hub/messages", "occ-demo", Message(RecallMessages.Recall("HX-OCC"))),
            new Hostile("recalls: body too large", "POST", "/v1/recall-hub/messages", "Bearer participant-0001", "application/json",
                Encoding.UTF8.GetBytes(Message(new string('A', 70_000)))),
            Get("recalls: another firm's mailbox", "/v1/recall-hub/mailbox/0002", "participant-0001"),
            Get("recalls: a vendor without the letter", "/v1/recall-hub/mailbox/0001", "vendor-demo"),
            Get("recalls: bad participant", "/v1/recall-hub/mailbox/12a4", "participant-0001"),
            Get("recalls: bad after", "/v1/recall-hub/mailbox/0001?after=0001", "participant-0001"),
            Get("recalls: bad limit", "/v1/recall-hub/mailbox/0001?limit=1001", "participant-0001"),
            Get("recalls: bad limit", "/v1/recall-hub/mailbox/0001?limit=-1", "participant-0001"),
            Get("recalls: bad limit", "/v1/recall-hub/mailbox/0001?limit=1e3", "participant-0001"),
            Get("recalls: unknown query", "/v1/recall-hub/mailbox/0001?before=1", "participant-0001"),
            Post("recalls: retrieve from another firm", "/v1/recall-hub/mailbox/0002/0002000000000001/retrieve", "participant-0001", ""),
            Post("recalls: retrieve an unknown entry", "/v1/recall-hub/mailbox/0001/0001999999999999/retrieve", "participant-0001", ""),
            Post("recalls: retrieve a bad number", "/v1/recall-hub/mailbox/0001/00010000000000000/retrieve", "participant-0001", ""),
            Post("recalls: retrieve sequence zero", "/v1/recall-hub/mailbox/0001/0001000000000000/retrieve", "participant-0001", ""),
            Get("recalls: trace an unknown number", "/v1/recall-hub/messages/0002999999999999/trace", "participant-0001"),
            Get("recalls: trace a bad number", "/v1/recall-hub/messages/x/trace", "risk-demo"),
            Get("recalls: trace as occ", "/v1/recall-hub/messages/0002000000000001/trace", "occ-demo"),
            Get("recalls: eligibility bad date", "/v1/recall-hub/eligibility/2026-02-30", "operator-demo"),
            Get("recalls: eligibility no file", "/v1/recall-hub/eligibility/2001-01-02", "operator-demo"),
            Get("recalls: eligibility not subscribed", "/v1/recall-hub/eligibility/2001-01-02", "participant-0003"),
            Get("recalls: eligibility as risk", "/v1/recall-hub/eligibility/2001-01-02", "risk-demo"),
            Put("recalls: subscribe an unknown participant", "/v1/recall-hub/subscribers/0050", "operator-demo", """{"address":"NEWWUS33"}"""),
            Put("recalls: subscribe a bad address", "/v1/recall-hub/subscribers/0003", "operator-demo", """{"address":"NEWWUS3"}"""),
            Put("recalls: subscribe a taken address", "/v1/recall-hub/subscribers/0003", "operator-demo", """{"address":"LENDUS33"}"""),
            Put("recalls: subscribe a bad vendor", "/v1/recall-hub/subscribers/0003", "operator-demo", """{"address":"NEWWUS33","vendor":"a b"}"""),
            Put("recalls: subscribe as a participant", "/v1/recall-hub/subscribers/0003", "participant-0003", """{"address":"NEWWUS33"}"""),
            new Hostile("recalls: unsubscribe nobody", "DELETE", "/v1/recall-hub/subscribers/0003", "Bearer operator-demo", null, null),
            new Hostile("recalls: unsubscribe as a vendor", "DELETE", "/v1/recall-hub/subscribers/0002", "Bearer vendor-demo", null, null),
            Put("recalls: letters with a bad participant", "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":["0002","2"]}"""),
            Put("recalls: letters not a list", "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":"0002"}"""),
            Put("recalls: letters of numbers", "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":[2]}"""),
            Put("recalls: letters without a name", "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"authorizedParticipants":["0002"]}"""),
            Put("recalls: letters as the vendor", "/v1/recall-hub/vendors/DEMOVEND", "vendor-demo", """{"name":"Demo Vendor","authorizedParticipants":["0001","0002"]}""")));
}
