import java.net.URL;

/**
 * Calls userApi through the Axis 1.4 stub generated (WSDL2Java -p axisdoclit) from the gateway's own
 * document/literal WSDL. Usage: AxisDocLitMain ENDPOINT CALL... (see ClientScript).
 */
public final class AxisDocLitMain {
    public static void main(String[] args) throws Exception {
        final axisdoclit.UserApiPortType port = new axisdoclit.UserApiLocator().getuserApiSoap(new URL(args[0]));
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
