import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Montnets' caller through the Axis 1.4 stub generated (WSDL2Java -p montnets) from the gateway's
 * served wmgw.asmx WSDL (the SOAP 1.1 port: Axis 1.4 writes no SOAP 1.2 stub). Usage:
 * MontnetsAxisMain ENDPOINT USER PASSWORD EMPTY_USER. Prints one `name BASE64` line per answer
 * (`name -` for null); ArrayOfString answers as their items joined by `;`.
 */
public final class MontnetsAxisMain {
    private static void print(String name, Object value) {
        System.out.println(name + " " + (value == null ? "-" : Base64.getEncoder().encodeToString(String.valueOf(value).getBytes(StandardCharsets.UTF_8))));
    }

    public static void main(String[] args) throws Exception {
        montnets.WmgwSoap_PortType port = new montnets.WmgwLocator().getwmgwSoap(new URL(args[0]));
        ((org.apache.axis.client.Stub) port).setTimeout(20000);
        String user = args[1], password = args[2], emptyUser = args[3];
        String text = "验证码1234【测试】";

        print("balanceBefore", port.mongateQueryBalance(user, password));
        print("send", port.mongateCsSpSendSmsNew(user, password, "13800000001,13800000002", text, 2, "*"));
        print("sendSubmit", port.mongateSendSubmit(user, password, "13800000003", text, 1, "*", "0"));
        print("sendEx", port.mongateCsSendSmsEx(user, password, "13800000004", text, 1));

        // The simulator vendor delivers within a second: ask until the four reports came, as a poller does.
        List<String> reports = new ArrayList<>();
        for (int i = 0; i < 100 && reports.size() < 4; i++) {
            String[] got = port.mongateCsGetStatusReportExEx(user, password);
            if (got != null) reports.addAll(Arrays.asList(got));
            if (reports.size() < 4) Thread.sleep(100);
        }
        print("reports", String.join(";", reports));
        String[] again = port.mongateCsGetStatusReportExEx(user, password);
        print("reportsAgain", again == null ? null : String.join(";", again));

        String[] replies = port.mongateCsGetSmsExEx(user, password);
        print("replies", replies == null ? null : String.join(";", replies));
        String[] delivered = port.mongateGetDeliver(user, password, 0);
        print("deliver", delivered == null ? null : String.join(";", delivered));

        print("balanceAfter", port.mongateQueryBalance(user, password));
        print("wrongPasswordSend", port.mongateCsSpSendSmsNew(user, "wrong", "13800000001", text, 1, "*"));
        print("wrongPasswordBalance", port.mongateQueryBalance(user, "wrong"));
        print("emptyBalance", port.mongateCsSpSendSmsNew(emptyUser, password, "13800000001", text, 1, "*"));
        print("badNumber", port.mongateCsSpSendSmsNew(user, password, "12345", text, 1, "*"));
        print("forbiddenWord", port.mongateCsSpSendSmsNew(user, password, "13800000001", "赌博【测试】", 1, "*"));
        print("multix", port.mongateMULTIXSend(user, password, "457894132578945/41/13800138000/xOO6wyy7ttOtyrnTwyE="));
    }
}
