import java.net.URL;

/**
 * Calls userApi through the Axis 1.4 stub generated (WSDL2Java -p xfireaxis) from
 * userApi-xfire.wsdl, the service as XFire 1.2 published it (document/literal wrapped, in0…in5,
 * answers in <out>), pointed at our endpoint. Usage: XFireAxisMain ENDPOINT CALL... (see ClientScript).
 */
public final class XFireAxisMain {
    public static void main(String[] args) throws Exception {
        final xfireaxis.UserApiPortType port = new xfireaxis.UserApiLocator().getuserApiHttpPort(new URL(args[0]));
        ((org.apache.axis.client.Stub) port).setTimeout(20000);
        int rc = ClientScript.run(new ClientScript.UserApiCalls() {
            public String sendSms(String u, String p, int t, String c, String m, int l) throws Exception { return port.sendSms(u, p, t, c, m, l); }
            public String getRestMoney(String u, String p) throws Exception { return port.getRestMoney(u, p); }
            public String getSmsReport(String u, String p) throws Exception { return port.getSmsReport(u, p); }
            public String getRecvSMS(String u, String p) throws Exception { return port.getRecvSMS(u, p); }
        }, args, 1);
        System.exit(rc);
    }
}
