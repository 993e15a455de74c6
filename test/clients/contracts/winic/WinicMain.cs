using System;

/// The Winic Service.asmx through the ASMX proxy mono's wsdl generated from the gateway's WSDL,
/// making the calls zeep_client.py makes, as the vendor's .NET callers do (plain password, otime
/// empty for now or milliseconds since the epoch). Usage: mono winic.exe ENDPOINT. Prints one JSON
/// object (contracts/JsonOut.cs), then `done`; exit code 2 on any error.
public static class WinicMain
{
    public static int Main(string[] args)
    {
        try
        {
            var sms = new Service1 { Url = args[0] };
            var answers = new JsonOut();
            answers.Put("balanceBefore", sms.GetUserInfo("erp", "secret"));
            answers.Put("send", sms.SendMessages("erp", "secret", "13800000001,13800000002", "验证码1234【测试】", ""));
            long tomorrow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 86400000L;
            answers.Put("scheduledAt", tomorrow.ToString());
            answers.Put("scheduled", sms.SendMessages("erp", "secret", "13800000003", "明天见【测试】", tomorrow.ToString()));
            answers.Put("badSchedule", sms.SendMessages("erp", "secret", "13800000003", "x【测试】", "tomorrow"));
            answers.Put("balanceAfter", sms.GetUserInfo("erp", "secret"));
            answers.Put("fax", sms.SendFax("erp", "secret", "02100000000", "x", "x", new byte[] { 120 }, "x.txt"));
            answers.Put("wrongPasswordSend", sms.SendMessages("erp", "wrong", "13800000001", "x【测试】", ""));
            answers.Put("wrongPasswordBalance", sms.GetUserInfo("erp", "wrong"));
            answers.Put("emptyBalance", sms.SendMessages("broke", "secret", "13800000001", "x【测试】", ""));
            answers.Put("badNumber", sms.SendMessages("erp", "secret", "12345", "x【测试】", ""));
            answers.Put("passwordChanged", sms.EditUserPwd("erp", "secret", "secret2"));
            answers.Put("balanceNewPassword", sms.GetUserInfo("erp", "secret2"));
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
