// Contract-test driver for the userApi proxy that mono's `wsdl` generates (class `userApi`,
// a SoapHttpClientProtocol). Compiled together with the generated Proxy.cs:
//   wsdl -nologo -out:Proxy.cs 'http://HOST/services/userApi?wsdl'
//   mcs -r:System.Web.Services Proxy.cs Main.cs -out:client.exe
//   mono client.exe ENDPOINT OPERATION [ARG...]
// ENDPOINT: the URL the proxy posts to ("-" keeps the soap:address of the served WSDL).
// Every ARG is BASE64 of its UTF-8 text (so Chinese survives any locale); int parameters are
// decimal text. The returned string is printed as one line `RESULT <BASE64 of its UTF-8 bytes>`
// (`RESULT-NULL` for null); an exception is printed to stderr with exit code 2.
using System;
using System.Text;

public static class ClientMain {
    static string[] argv;

    static string Arg(int i) {
        if (i >= argv.Length) throw new ArgumentException("missing argument " + (i - 1));
        return Encoding.UTF8.GetString(Convert.FromBase64String(argv[i]));
    }

    public static int Main(string[] args) {
        argv = args;
        if (args.Length < 2) {
            Console.Error.WriteLine("usage: mono client.exe ENDPOINT OPERATION [BASE64-UTF8-ARG...]");
            return 64;
        }
        userApi api = new userApi();
        if (args[0] != "-") api.Url = args[0];
        api.Timeout = 20000;
        string result;
        try {
            switch (args[1]) {
                case "sendSms":
                    result = api.sendSms(Arg(2), Arg(3), int.Parse(Arg(4)), Arg(5), Arg(6), int.Parse(Arg(7)));
                    break;
                case "getRestMoney":
                    result = api.getRestMoney(Arg(2), Arg(3));
                    break;
                case "getSmsReport":
                    result = api.getSmsReport(Arg(2), Arg(3));
                    break;
                case "getRecvSMS":
                    result = api.getRecvSMS(Arg(2), Arg(3));
                    break;
                default:
                    Console.Error.WriteLine("unknown operation " + args[1]);
                    return 64;
            }
        } catch (Exception e) {
            Console.Error.WriteLine(e.ToString());
            return 2;
        }
        Console.Out.WriteLine(result == null ? "RESULT-NULL" : "RESULT " + Convert.ToBase64String(Encoding.UTF8.GetBytes(result)));
        return 0;
    }
}
