import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Runs a small script of userApi calls given on the command line through a generated stub.
 *
 * Each call argument is {@code op} or {@code op:ARG,ARG,...} where every ARG is the BASE64 of its
 * UTF-8 bytes (so Chinese text survives any JVM locale). For each call one line is printed:
 * {@code CALL <index> <op> OK <base64 of the UTF-8 answer>}, {@code CALL <index> <op> NULL}, or
 * {@code CALL <index> <op> ERROR <base64 of the exception>}. Only ASCII goes to stdout.
 */
public final class ClientScript {
    /** The four operations, whatever the stub's own interface and parameter names are. */
    public interface UserApiCalls {
        String sendSms(String username, String password, int smstype, String content, String mobile, int isLongSms) throws Exception;
        String getRestMoney(String username, String password) throws Exception;
        String getSmsReport(String username, String password) throws Exception;
        String getRecvSMS(String username, String password) throws Exception;
    }

    private ClientScript() {}

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String[] decodeArgs(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0 || colon == spec.length() - 1) return new String[0];
        String[] raw = spec.substring(colon + 1).split(",", -1);
        String[] out = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = new String(Base64.getDecoder().decode(raw[i]), StandardCharsets.UTF_8);
        }
        return out;
    }

    private static void need(String op, String[] a, int n) {
        if (a.length != n) throw new IllegalArgumentException(op + " takes " + n + " arguments, got " + a.length);
    }

    /** Runs calls[from..]; returns the process exit code (0 unless a call spec is malformed). */
    public static int run(UserApiCalls api, String[] calls, int from) {
        for (int i = from; i < calls.length; i++) {
            String spec = calls[i];
            int colon = spec.indexOf(':');
            String op = colon < 0 ? spec : spec.substring(0, colon);
            String[] a = decodeArgs(spec);
            String answer;
            try {
                switch (op) {
                    case "sendSms":
                        need(op, a, 6);
                        answer = api.sendSms(a[0], a[1], Integer.parseInt(a[2]), a[3], a[4], Integer.parseInt(a[5]));
                        break;
                    case "getRestMoney":
                        need(op, a, 2);
                        answer = api.getRestMoney(a[0], a[1]);
                        break;
                    case "getSmsReport":
                        need(op, a, 2);
                        answer = api.getSmsReport(a[0], a[1]);
                        break;
                    case "getRecvSMS":
                        need(op, a, 2);
                        answer = api.getRecvSMS(a[0], a[1]);
                        break;
                    default:
                        System.err.println("unknown operation " + op);
                        return 2;
                }
            } catch (IllegalArgumentException e) {
                System.err.println("bad call spec " + spec + ": " + e.getMessage());
                return 2;
            } catch (Throwable e) {
                System.out.println("CALL " + (i - from) + " " + op + " ERROR " + b64(String.valueOf(e)));
                e.printStackTrace();
                continue;
            }
            System.out.println("CALL " + (i - from) + " " + op + (answer == null ? " NULL" : " OK " + b64(answer)));
        }
        System.out.flush();
        return 0;
    }
}
