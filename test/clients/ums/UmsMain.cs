// The UMS Sms loop through the proxy mono's `wsdl` generates from the gateway's WSDL (class `Sms`,
// a SoapHttpClientProtocol; its Sms operation becomes CallSms). Compiled with the generated Proxy.cs:
//   wsdl -nologo -out:Proxy.cs 'http://HOST/sms_hb/services/Sms?wsdl'
//   mcs -r:System.Web.Services Proxy.cs UmsMain.cs -out:ums.exe
//   mono ums.exe ENDPOINT SERIAL
// Sms, Report until the send's report is in, Reply, ReplyConfirm by the id Reply gave, Reply again,
// SearchSmsNum, Auditing. Prints one line per answer, `name BASE64(UTF-8 text)` (`name -` for
// null), then `done -` once every answer is out; an exception goes to stderr with exit code 2.
using System;
using System.Text;
using System.Threading;

public static class UmsMain {
    static void Print(string name, string value) {
        Console.WriteLine(name + " " + (value == null ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(value))));
    }

    static string Reply(Sms sms, string name) {
        string confirmTime, id;
        Reply[] replys;
        int result = sms.Reply("100001", "demo", "demo123", out confirmTime, out id, out replys);
        Print(name + ".result", result.ToString());
        Print(name + ".confirm_time", confirmTime);
        Print(name + ".id", id);
        Print(name + ".count", (replys == null ? 0 : replys.Length).ToString());
        if (replys != null) {
            foreach (Reply r in replys) {
                Print(name + ".callMdn", r.callMdn);
                Print(name + ".mdn", r.mdn);
                Print(name + ".content", r.content);
                Print(name + ".reply_time", r.reply_time);
            }
        }
        return id;
    }

    public static int Main(string[] args) {
        try {
            Sms sms = new Sms();
            sms.Url = args[0];
            sms.Timeout = 20000;
            string serial = args[1];
            Print("sms", sms.CallSms("100001", "demo", "demo123", "您的验证码是1234【一信通】", "13800000001,12345", serial, "", "1"));
            StringBuilder reports = new StringBuilder();
            for (int i = 0; i < 200 && reports.ToString().IndexOf(serial + ",13800000001,") < 0; i++) {
                reports.Append(sms.Report("100001", "demo", "demo123"));
                Thread.Sleep(50);
            }
            Print("reports", reports.ToString());
            string id = Reply(sms, "reply");
            Print("confirm", sms.ReplyConfirm("100001", "demo", "demo123", null, id).ToString());
            Reply(sms, "replyAfter");
            int? number;
            int result = sms.SearchSmsNum("100001", "demo", "demo123", out number);
            Print("balance", result + ";" + number);
            Print("audit", sms.Auditing("100001", "demo", "demo123", "您的验证码是1234"));
            Print("auditRefused", sms.Auditing("100001", "demo", "demo123", "本店代开发票"));
            Console.WriteLine("done -");
            Console.Out.Flush();
            return 0;
        } catch (Exception e) {
            Console.Error.WriteLine(e);
            return 2;
        }
    }
}
