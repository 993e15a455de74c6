import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.xml.ws.BindingProvider;

/**
 * The UMS calls of a legacy stub generated (WsImport -p umsx) from the service as XFire published it
 * (ums-xfire.wsdl beside this file): Sms with in0…in8, Report until the send's report is in,
 * Auditing, each answered in out. Usage: UmsXfireMain WSDL_FILE ENDPOINT SERIAL. Prints
 * `name BASE64(UTF-8 text)` lines (`name -` for null); exit code 2 on any error.
 */
public final class UmsXfireMain {
    private static void print(String name, String value) {
        System.out.println(name + " " + (value == null ? "-" : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    }

    public static void main(String[] args) {
        try {
            umsx.SmsPortType port = new umsx.Sms_Service(new File(args[0]).toURI().toURL()).getSmsHttpPort();
            ((BindingProvider) port).getRequestContext().put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, args[1]);
            String serial = args[2];
            print("sms", port.sms("100001", "demo", "demo123", "您的验证码是1234【一信通】", "13800000001,12345", serial, "", "1", ""));
            StringBuilder reports = new StringBuilder();
            for (int i = 0; i < 200 && reports.indexOf(serial + ",13800000001,") < 0; i++) {
                String got = port.report("100001", "demo", "demo123");
                if (got != null) reports.append(got);
                Thread.sleep(50);
            }
            print("reports", reports.toString());
            print("audit", port.auditing("100001", "demo", "demo123", "您的验证码是1234"));
            print("auditRefused", port.auditing("100001", "demo", "demo123", "本店代开发票"));
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
