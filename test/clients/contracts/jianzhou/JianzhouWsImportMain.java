import java.io.StringReader;
import java.net.URL;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.ws.BindingProvider;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The Jianzhou BusinessService through the JAX-WS RI port WsImport generated (-p jianzhou) from the
 * gateway's WSDL, making the calls zeep_client.py makes, as the vendor's Java callers do (plain
 * password, numbers joined by ;), the XML strings parsed with the JDK's DOM. Usage:
 * JianzhouWsImportMain WSDL_URL ENDPOINT. Prints one JSON object; exit code 2 on any error.
 */
public final class JianzhouWsImportMain {
    private static final Map<String, Object> OUT = new LinkedHashMap<>();

    private static Element parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(xml))).getDocumentElement();
    }

    /** getUserInfo's string: <userinfo><balance>N</balance></userinfo>, or a code. */
    private static int balance(String answer) throws Exception {
        if (!answer.startsWith("<")) return Integer.parseInt(answer);
        return Integer.parseInt(parse(answer).getElementsByTagName("balance").item(0).getTextContent());
    }

    /** getReceipt's and getReceivedMsg's strings: one element per record, its children as fields. */
    private static List<Map<String, String>> records(String answer, String tag) throws Exception {
        List<Map<String, String>> list = new ArrayList<>();
        NodeList items = parse(answer).getElementsByTagName(tag);
        for (int i = 0; i < items.getLength(); i++) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (Node child = items.item(i).getFirstChild(); child != null; child = child.getNextSibling()) {
                if (child instanceof Element) fields.put(child.getNodeName(), child.getTextContent());
            }
            list.add(fields);
        }
        return list;
    }

    private static String json(Object value) {
        if (value instanceof Number) return value.toString();
        if (value instanceof Map) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (b.length() > 1) b.append(',');
                b.append(json(e.getKey())).append(':').append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (value instanceof List) {
            StringBuilder b = new StringBuilder("[");
            for (Object item : (List<?>) value) {
                if (b.length() > 1) b.append(',');
                b.append(json(item));
            }
            return b.append(']').toString();
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : String.valueOf(value).toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        try {
            jianzhou.BusinessService sms = new jianzhou.BusinessServiceService(new URL(args[0])).getBusinessServicePort();
            ((BindingProvider) sms).getRequestContext().put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, args[1]);
            OUT.put("login", sms.validateUser("erp", "secret"));
            OUT.put("balanceBefore", balance(sms.getUserInfo("erp", "secret")));
            int task = sms.sendBatchMessage("erp", "secret", "13800000001;13800000002", "验证码1234【测试】");
            OUT.put("task", task);
            List<Map<String, String>> receipts = new ArrayList<>();
            for (int i = 0; i < 200 && receipts.size() < 2; i++) {
                receipts.addAll(records(sms.getReceipt("erp", "secret", task), "receipt"));
                if (receipts.size() < 2) Thread.sleep(50);
            }
            OUT.put("receipts", receipts);
            OUT.put("receiptsAgain", records(sms.getReceipt("erp", "secret", task), "receipt"));
            OUT.put("replies", records(sms.getReceivedMsg("erp", "secret", 0), "reply"));
            OUT.put("balanceAfter", balance(sms.getUserInfo("erp", "secret")));
            String tomorrow = ZonedDateTime.now(ZoneId.of("Asia/Shanghai")).plusDays(1).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
            OUT.put("scheduledAt", tomorrow);
            OUT.put("scheduled", sms.sendTimelyMessage("erp", "secret", tomorrow, "13800000003", "明天见【测试】"));
            OUT.put("badSchedule", sms.sendTimelyMessage("erp", "secret", "tomorrow", "13800000003", "x【测试】"));
            OUT.put("personal", sms.sendPersonalMessages("erp", "secret", "13800000001||13800000002", "a【测试】||b【测试】"));
            OUT.put("wrongPasswordSend", sms.sendBatchMessage("erp", "wrong", "13800000001", "x【测试】"));
            OUT.put("wrongPasswordBalance", sms.getUserInfo("erp", "wrong"));
            OUT.put("wrongPasswordLogin", sms.validateUser("erp", "wrong"));
            OUT.put("emptyBalance", sms.sendBatchMessage("broke", "secret", "13800000001", "x【测试】"));
            OUT.put("badNumber", sms.sendBatchMessage("erp", "secret", "12345", "x【测试】"));
            OUT.put("passwordChanged", sms.modifyPassword("erp", "secret", "secret2"));
            OUT.put("loginNewPassword", sms.validateUser("erp", "secret2"));
            OUT.put("loginOldPassword", sms.validateUser("erp", "secret"));
            System.out.println(json(OUT));
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
