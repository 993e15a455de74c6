import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Emay's caller through the Axis 1.4 stub generated (WSDL2Java -p emay) from the gateway's served
 * SDKService WSDL, as the vendor's SDK did. Usage: EmayAxisMain ENDPOINT SERIAL KEY EMPTY_SERIAL.
 * Prints one `name BASE64` line per answer (`name -` for null), in UTF-8 under BASE64 whatever the
 * JVM's locale; reports and replies as `field|field…` records joined by `;`.
 */
public final class EmayAxisMain {
    private static void print(String name, Object value) {
        System.out.println(name + " " + (value == null ? "-" : Base64.getEncoder().encodeToString(String.valueOf(value).getBytes(StandardCharsets.UTF_8))));
    }

    public static void main(String[] args) throws Exception {
        emay.SDKService_PortType port = new emay.SDKService_ServiceLocator().getSDKService(new URL(args[0]));
        ((org.apache.axis.client.Stub) port).setTimeout(20000);
        String serial = args[1], key = args[2], emptySerial = args[3];
        String text = "验证码1234【测试】";

        print("registEx", port.registEx(serial, key, "serialpass"));
        print("balanceBefore", port.getBalance(serial, key));
        print("send", port.sendSMS(serial, key, "", new String[] {"13800000001", "13800000002"}, text, "", "GBK", 1, 0L));

        // The simulator vendor delivers within a second: ask until both reports came, as a poller does.
        List<String> reports = new ArrayList<>();
        for (int i = 0; i < 100 && reports.size() < 2; i++) {
            emay.StatusReport[] got = port.getReport(serial, key);
            if (got != null) for (emay.StatusReport r : got) {
                reports.add(r.getMobile() + "|" + r.getReportStatus() + "|" + r.getErrorCode() + "|" + r.getSeqID() + "|" + r.getReceiveDate() + "|" + r.getSubmitDate());
            }
            if (reports.size() < 2) Thread.sleep(100);
        }
        print("reports", String.join(";", reports));
        emay.StatusReport[] again = port.getReport(serial, key);
        print("reportsAgain", again == null ? 0 : again.length);

        List<String> replies = new ArrayList<>();
        emay.Mo[] mos = port.getMO(serial, key);
        if (mos != null) for (emay.Mo m : mos) replies.add(m.getMobileNumber() + "|" + m.getSmsContent() + "|" + m.getSentTime() + "|" + m.getChannelnumber());
        print("replies", String.join(";", replies));

        print("balanceAfter", port.getBalance(serial, key));
        print("eachFee", port.getEachFee(serial, key));
        print("wrongPasswordRegist", port.registEx(serial, "wrong-key", "serialpass"));
        print("wrongPasswordSend", port.sendSMS(serial, "wrong-key", "", new String[] {"13800000001"}, text, "", "GBK", 1, 0L));
        print("wrongPasswordBalance", port.getBalance(serial, "wrong-key"));
        print("emptyBalance", port.sendSMS(emptySerial, key, "", new String[] {"13800000001"}, text, "", "GBK", 1, 0L));
        print("badNumber", port.sendSMS(serial, key, "", new String[] {"12345"}, text, "", "GBK", 1, 0L));
        print("badSchedule", port.sendSMS(serial, key, "2026-12-31 08:00", new String[] {"13800000001"}, text, "", "GBK", 1, 0L));
        print("scheduled", port.sendSMS(serial, key, "20351231080000", new String[] {"13800000003"}, text, "", "GBK", 1, 0L));
        print("serialPwdUpd", port.serialPwdUpd(serial, key, "serialpass", "newpass"));
        print("chargeUp", port.chargeUp(serial, key, "card", "pass"));
        print("logout", port.logout(serial, key));
        print("version", port.getVersion());
    }
}
