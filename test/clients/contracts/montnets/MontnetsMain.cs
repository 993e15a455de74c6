// Montnets' wmgw.asmx caller through the proxy mono's `wsdl` generates from the gateway's served WSDL
// over SOAP 1.2 (the Axis caller covers SOAP 1.1). Compiled with the generated Proxy.cs:
//   wsdl -nologo -protocol:SOAP12 -out:Proxy.cs 'http://HOST/MWGate/wmgw.asmx?wsdl'
//   mcs -r:System.Web.Services Proxy.cs MontnetsMain.cs -out:montnets.exe
//   mono montnets.exe ENDPOINT USER PASSWORD EMPTY_USER
// The calls and printed lines of MontnetsAxisMain.java: one `name BASE64(UTF-8 text)` line per
// answer (`name -` for null), ArrayOfString answers joined by `;`, then `done -` once every answer
// is out; an exception goes to stderr with exit code 2.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

public static class MontnetsMain {
    static void Print(string name, object value) {
        Console.WriteLine(name + " " + (value == null ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(value.ToString()))));
    }

    static string Joined(string[] items) {
        return items == null ? null : string.Join(";", items);
    }

    public static int Main(string[] args) {
        try {
            wmgw gate = new wmgw();
            gate.Url = args[0];
            gate.Timeout = 20000;
            string user = args[1], password = args[2], emptyUser = args[3];
            string text = "验证码1234【测试】";

            Print("balanceBefore", gate.MongateQueryBalance(user, password));
            Print("send", gate.MongateCsSpSendSmsNew(user, password, "13800000001,13800000002", text, 2, "*"));
            Print("sendSubmit", gate.MongateSendSubmit(user, password, "13800000003", text, 1, "*", "0"));
            Print("sendEx", gate.MongateCsSendSmsEx(user, password, "13800000004", text, 1));

            // The simulator vendor delivers within a second: ask until the four reports came, as a poller does.
            List<string> reports = new List<string>();
            for (int i = 0; i < 100 && reports.Count < 4; i++) {
                string[] got = gate.MongateCsGetStatusReportExEx(user, password);
                if (got != null) reports.AddRange(got);
                if (reports.Count < 4) Thread.Sleep(100);
            }
            Print("reports", string.Join(";", reports.ToArray()));
            Print("reportsAgain", Joined(gate.MongateCsGetStatusReportExEx(user, password)));
            Print("replies", Joined(gate.MongateCsGetSmsExEx(user, password)));
            Print("deliver", Joined(gate.MongateGetDeliver(user, password, 0)));

            Print("balanceAfter", gate.MongateQueryBalance(user, password));
            Print("wrongPasswordSend", gate.MongateCsSpSendSmsNew(user, "wrong", "13800000001", text, 1, "*"));
            Print("wrongPasswordBalance", gate.MongateQueryBalance(user, "wrong"));
            Print("emptyBalance", gate.MongateCsSpSendSmsNew(emptyUser, password, "13800000001", text, 1, "*"));
            Print("badNumber", gate.MongateCsSpSendSmsNew(user, password, "12345", text, 1, "*"));
            Print("forbiddenWord", gate.MongateCsSpSendSmsNew(user, password, "13800000001", "赌博【测试】", 1, "*"));
            Print("multix", gate.MongateMULTIXSend(user, password, "457894132578945/41/13800138000/xOO6wyy7ttOtyrnTwyE="));
            Console.WriteLine("done -");
            return 0;
        } catch (Exception e) {
            Console.Error.WriteLine(e);
            return 2;
        }
    }
}
