using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

/// The entinfo webservice.asmx through the ASMX proxy mono's wsdl generated from the gateway's WSDL,
/// making the calls zeep_client.py makes, as the vendor's .NET callers do (pwd = MD5(sn + password)
/// in upper-case hex, stime empty for now). Usage: mono entinfo.exe ENDPOINT. Prints one JSON object
/// (contracts/JsonOut.cs; lists for the replies), then `done`; exit code 2 on any error.
public static class EntinfoMain
{
    const string Text = "验证码1234【测试】";

    static string Pwd(string sn, string password)
    {
        using (var md5 = MD5.Create())
        {
            var b = new StringBuilder();
            foreach (byte x in md5.ComputeHash(Encoding.UTF8.GetBytes(sn + password))) b.Append(x.ToString("X2"));
            return b.ToString();
        }
    }

    /// Asks until `count` report records came (the simulator delivers within a second), as a poller does.
    static string RecordsUntil(Func<string> fetch, int count)
    {
        var got = new List<string>();
        for (int i = 0; i < 100 && got.Count < count; i++)
        {
            string answer = fetch();
            if (!string.IsNullOrEmpty(answer)) got.AddRange(answer.Split(';'));
            else Thread.Sleep(100);
        }
        return string.Join(";", got.ToArray());
    }

    static List<string> Replies(WebService sms, string sn, string pwd)
    {
        var list = new List<string>();
        foreach (var m in sms.RECSMS(sn, pwd) ?? new MOBody[0])
            list.Add(string.Join("|", new[] { m.sender, m.content, m.recvtel ?? "", m.recdate, m.total_num, m.this_num }));
        return list;
    }

    public static int Main(string[] args)
    {
        try
        {
            var sms = new WebService { Url = args[0] };
            var answers = new JsonOut();
            string erp = Pwd("erp", "secret");
            answers.Put("balanceBefore", sms.balance("erp", erp));
            answers.Put("send", sms.mdSmsSend_u("erp", erp, "13800000001,13800000002", Text, "", "", ""));
            answers.Put("reports", RecordsUntil(() => sms.report("erp", erp, 0), 2));
            answers.Put("reportsAgain", sms.report("erp", erp, 0));
            string mt = sms.mt("erp", erp, "13800000005", Text, "", "", "88000001");
            answers.Put("mt", mt);
            answers.Put("mtRepeated", sms.mt("erp", erp, "13800000005", Text, "", "", "88000001"));
            answers.Put("report2", RecordsUntil(() => sms.report2("erp", erp, 0, mt), 1));
            answers.Put("scheduled", sms.mdSmsSend("erp", erp, "13800000003", "明天见【测试】", "", "2035-6-9 08:05:03", ""));
            answers.Put("badSchedule", sms.mt("erp", erp, "13800000003", Text, "", "tomorrow", ""));
            answers.Put("sendSMS", sms.SendSMS("erp", erp, "13800000004", Text));
            answers.PutList("replies", Replies(sms, "erp", erp));
            answers.PutList("repliesAgain", Replies(sms, "erp", erp));
            answers.Put("balanceAfter", sms.GetBalance("erp", erp));
            answers.Put("wrongPasswordSend", sms.mdSmsSend_u("erp", Pwd("erp", "wrong"), "13800000001", Text, "", "", ""));
            answers.Put("wrongPasswordBalance", sms.balance("erp", Pwd("erp", "wrong")));
            answers.Put("emptyBalance", sms.mdSmsSend_u("broke", Pwd("broke", "secret"), "13800000001", Text, "", "", ""));
            answers.Put("badNumber", sms.mdSmsSend_u("erp", erp, "12345", Text, "", "", ""));
            answers.Put("gxmt", sms.gxmt("erp", erp, "13800000001,13800000002", "a【测试】,b【测试】", "", "", ""));
            answers.Put("plainNewPassword", sms.UDPPwd("erp", erp, "secret2"));
            answers.Put("passwordChanged", sms.UDPPwd("erp", erp, Pwd("erp", "secret2")));
            answers.Put("balanceNewPassword", sms.balance("erp", Pwd("erp", "secret2")));
            answers.Put("balanceOldPassword", sms.balance("erp", erp));
            answers.Print();
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 2;
        }
    }
}
