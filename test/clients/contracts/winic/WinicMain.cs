using System;
using System.Collections.Generic;
using System.Text;

/// The Winic Service.asmx through the ASMX proxy mono's wsdl generated from the gateway's WSDL,
/// making the calls zeep_client.py makes, as the vendor's .NET callers do (plain password, otime
/// empty for now or milliseconds since the epoch). Usage: mono winic.exe ENDPOINT. Prints one JSON
/// object, then `done`; exit code 2 on any error.
public static class WinicMain
{
    static readonly List<KeyValuePair<string, string>> Out = new List<KeyValuePair<string, string>>();

    static void Put(string name, string value) { Out.Add(new KeyValuePair<string, string>(name, value)); }

    static string Json(string value)
    {
        var b = new StringBuilder("\"");
        foreach (char c in value)
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c < 0x20) b.AppendFormat("\\u{0:x4}", (int)c);
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    public static int Main(string[] args)
    {
        try
        {
            var sms = new Service1 { Url = args[0] };
            Put("balanceBefore", sms.GetUserInfo("erp", "secret"));
            Put("send", sms.SendMessages("erp", "secret", "13800000001,13800000002", "验证码1234【测试】", ""));
            long tomorrow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 86400000L;
            Put("scheduledAt", tomorrow.ToString());
            Put("scheduled", sms.SendMessages("erp", "secret", "13800000003", "明天见【测试】", tomorrow.ToString()));
            Put("badSchedule", sms.SendMessages("erp", "secret", "13800000003", "x【测试】", "tomorrow"));
            Put("balanceAfter", sms.GetUserInfo("erp", "secret"));
            Put("fax", sms.SendFax("erp", "secret", "02100000000", "x", "x", new byte[] { 120 }, "x.txt"));
            Put("wrongPasswordSend", sms.SendMessages("erp", "wrong", "13800000001", "x【测试】", ""));
            Put("wrongPasswordBalance", sms.GetUserInfo("erp", "wrong"));
            Put("emptyBalance", sms.SendMessages("broke", "secret", "13800000001", "x【测试】", ""));
            Put("badNumber", sms.SendMessages("erp", "secret", "12345", "x【测试】", ""));
            Put("passwordChanged", sms.EditUserPwd("erp", "secret", "secret2"));
            Put("balanceNewPassword", sms.GetUserInfo("erp", "secret2"));
            var parts = new List<string>();
            foreach (var kv in Out) parts.Add(Json(kv.Key) + ":" + Json(kv.Value));
            Console.OutputEncoding = new UTF8Encoding(false);
            Console.WriteLine("{" + string.Join(",", parts.ToArray()) + "}");
            Console.WriteLine("done");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 2;
        }
    }
}
