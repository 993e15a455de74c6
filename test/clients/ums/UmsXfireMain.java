import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.Holder;

/**
 * The UMS Sms loop of a legacy stub generated (WsImport -p umsx, with ums-xfire-bindings.xml) from
 * the service as XFire published it (ums-xfire.wsdl beside this file): wrapper-style methods whose
 * parameters are in0…inN and whose answers come back as the return value (out, ReplyConfirm's
 * result) or in holders (Reply's and SearchSmsNum's children). Sms with in0…in8, Report until the
 * send's report is in, Reply, ReplyConfirm by the id Reply gave, Reply again, SearchSmsNum,
 * Auditing. Usage: UmsXfireMain WSDL_FILE ENDPOINT SERIAL. Prints `name BASE64(UTF-8 text)` lines
 * (`name -` for null); exit code 2 on any error.
 */
public final class UmsXfireMain {
    private static void print(String name, String value) {
        System.out.println(name + " " + (value == null ? "-" : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    }

    /** Calls Reply and prints its answer under name; returns the id to confirm it by. */
    private static String printReplies(umsx.SmsPortType port, String name) {
        Holder<String> result = new Holder<>();
        Holder<String> confirmTime = new Holder<>();
        Holder<String> id = new Holder<>();
        Holder<List<umsx.Reply>> replys = new Holder<>();
        port.reply("100001", "demo", "demo123", result, confirmTime, id, replys);
        print(name + ".result", result.value);
        print(name + ".confirm_time", confirmTime.value);
        print(name + ".id", id.value);
        List<umsx.Reply> got = replys.value == null ? List.of() : replys.value;
        print(name + ".count", String.valueOf(got.size()));
        for (umsx.Reply reply : got) {
            print(name + ".callMdn", reply.getCallMdn());
            print(name + ".mdn", reply.getMdn());
            print(name + ".content", reply.getContent());
            print(name + ".reply_time", reply.getReplyTime());
        }
        return id.value;
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
            String id = printReplies(port, "reply");
            print("confirm", port.replyConfirm("100001", "demo", "demo123", null, id));
            printReplies(port, "replyAfter");
            Holder<String> result = new Holder<>();
            Holder<String> number = new Holder<>();
            port.searchSmsNum("100001", "demo", "demo123", result, number);
            print("balance", result.value + ";" + number.value);
            print("audit", port.auditing("100001", "demo", "demo123", "您的验证码是1234"));
            print("auditRefused", port.auditing("100001", "demo", "demo123", "本店代开发票"));
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
