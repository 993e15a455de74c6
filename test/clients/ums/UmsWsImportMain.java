import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import javax.xml.bind.JAXBElement;
import javax.xml.ws.BindingProvider;

/**
 * The UMS Sms loop through the JAX-WS RI port WsImport generated (-p umsws) from the gateway's
 * WSDL: Sms, Report until the send's report is in, Reply, ReplyConfirm by the id Reply gave,
 * Reply again, SearchSmsNum, Auditing. Usage: UmsWsImportMain WSDL_URL ENDPOINT SERIAL. Prints one
 * line per answer, `name BASE64(UTF-8 text)` (`name -` for null); exit code 2 on any error.
 */
public final class UmsWsImportMain {
    private static final umsws.ObjectFactory F = new umsws.ObjectFactory();

    private static void print(String name, String value) {
        System.out.println(name + " " + (value == null ? "-" : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    }

    private static String text(JAXBElement<String> e) {
        return e == null || e.isNil() ? null : e.getValue();
    }

    private static umsws.ReplyRequest replyRequest() {
        umsws.ReplyRequest r = new umsws.ReplyRequest();
        r.setIn0(F.createReplyRequestIn0("100001"));
        r.setIn1(F.createReplyRequestIn1("demo"));
        r.setIn2(F.createReplyRequestIn2("demo123"));
        return r;
    }

    private static void printReplies(String name, umsws.ReplyResponse r) {
        print(name + ".result", String.valueOf(r.getResult()));
        print(name + ".confirm_time", text(r.getConfirmTime()));
        print(name + ".id", text(r.getId()));
        print(name + ".count", String.valueOf(r.getReplys().size()));
        for (umsws.Reply reply : r.getReplys()) {
            print(name + ".callMdn", text(reply.getCallMdn()));
            print(name + ".mdn", text(reply.getMdn()));
            print(name + ".content", text(reply.getContent()));
            print(name + ".reply_time", text(reply.getReplyTime()));
        }
    }

    private static umsws.AuditingRequest audit(String content) {
        umsws.AuditingRequest a = new umsws.AuditingRequest();
        a.setIn0(F.createAuditingRequestIn0("100001"));
        a.setIn1(F.createAuditingRequestIn1("demo"));
        a.setIn2(F.createAuditingRequestIn2("demo123"));
        a.setIn3(F.createAuditingRequestIn3(content));
        return a;
    }

    public static void main(String[] args) {
        try {
            umsws.SmsPortType port = new umsws.Sms_Service(new URL(args[0])).getSmsSoap11Port();
            Map<String, Object> ctx = ((BindingProvider) port).getRequestContext();
            ctx.put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, args[1]);
            ctx.put("com.sun.xml.ws.request.timeout", 20000);
            String serial = args[2];
            print("sms", port.sms("100001", "demo", "demo123", "您的验证码是1234【一信通】", "13800000001,12345", serial, "", "1"));
            StringBuilder reports = new StringBuilder();
            for (int i = 0; i < 200 && reports.indexOf(serial + ",13800000001,") < 0; i++) {
                String got = port.report("100001", "demo", "demo123");
                if (got != null) reports.append(got);
                Thread.sleep(50);
            }
            print("reports", reports.toString());
            umsws.ReplyResponse first = port.reply(replyRequest());
            printReplies("reply", first);
            umsws.ReplyConfirmRequest confirm = new umsws.ReplyConfirmRequest();
            confirm.setIn0(F.createReplyConfirmRequestIn0("100001"));
            confirm.setIn1(F.createReplyConfirmRequestIn1("demo"));
            confirm.setIn2(F.createReplyConfirmRequestIn2("demo123"));
            confirm.setIn4(F.createReplyConfirmRequestIn4(text(first.getId())));
            print("confirm", String.valueOf(port.replyConfirm(confirm).getResult()));
            printReplies("replyAfter", port.reply(replyRequest()));
            umsws.SearchSmsNumRequest balance = new umsws.SearchSmsNumRequest();
            balance.setIn0(F.createSearchSmsNumRequestIn0("100001"));
            balance.setIn1(F.createSearchSmsNumRequestIn1("demo"));
            balance.setIn2(F.createSearchSmsNumRequestIn2("demo123"));
            umsws.SearchSmsNumResponse left = port.searchSmsNum(balance);
            print("balance", left.getResult() + ";" + left.getNumber());
            print("audit", port.auditing(audit("您的验证码是1234")).getOut());
            print("auditRefused", port.auditing(audit("本店代开发票")).getOut());
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
