"""Contract-test driver for zeep (Debian's python3-zeep) against the userApi service.

    /usr/bin/python3 client.py WSDL_URL ENDPOINT OPERATION [ARG...]

WSDL_URL: where zeep reads the WSDL (the gateway's ...?wsdl).
ENDPOINT: the URL the calls are posted to ("-" keeps the soap:address of the WSDL).
Every ARG is BASE64 of its UTF-8 text; int parameters are decimal text.
The SOAP 1.1 port (binding userApiSoap) is used, as most legacy callers do. zeep unwraps the
document/literal wrapper: a call takes the named parameters and answers the <op>Return string.
The string is printed as one line `RESULT <BASE64 of its UTF-8 bytes>` (`RESULT-NULL` for None);
an error goes to stderr with exit code 2, followed by the last request/response zeep saw.
"""
import base64
import sys
import traceback

import zeep
from lxml import etree
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

TNS = '{http://userapi.ws.smsgateway}'
PARAMS = {
    'sendSms': ['username', 'password', 'smstype', 'content', 'mobile', 'isLongSms'],
    'getRestMoney': ['username', 'password'],
    'getSmsReport': ['username', 'password'],
    'getRecvSMS': ['username', 'password'],
}
INTS = {'smstype', 'isLongSms'}


def main(argv):
    if len(argv) < 4:
        print('usage: client.py WSDL_URL ENDPOINT OPERATION [BASE64-UTF8-ARG...]', file=sys.stderr)
        return 64
    wsdl, endpoint, op = argv[1], argv[2], argv[3]
    if op not in PARAMS:
        print('unknown operation ' + op, file=sys.stderr)
        return 64
    args = [base64.b64decode(a, validate=True).decode('utf-8') for a in argv[4:]]
    if len(args) != len(PARAMS[op]):
        print('%s takes %d arguments' % (op, len(PARAMS[op])), file=sys.stderr)
        return 64
    kwargs = {name: (int(v) if name in INTS else v) for name, v in zip(PARAMS[op], args)}

    history = HistoryPlugin()
    try:
        client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20), plugins=[history])
        if endpoint == '-':
            service = client.bind('userApi', 'userApiSoap')
        else:
            service = client.create_service(TNS + 'userApiSoap', endpoint)
        result = getattr(service, op)(**kwargs)
    except Exception:
        traceback.print_exc()
        for label, entry in (('request', history.last_sent), ('response', history.last_received)):
            if entry:
                print('--- %s ---' % label, file=sys.stderr)
                print(entry.get('http_headers'), file=sys.stderr)
                print(etree.tostring(entry['envelope'], encoding='unicode'), file=sys.stderr)
        return 2
    if result is None:
        print('RESULT-NULL')
    elif isinstance(result, str):
        print('RESULT ' + base64.b64encode(result.encode('utf-8')).decode('ascii'))
    else:
        print('%sResponse did not unwrap to a string: %r' % (op, result), file=sys.stderr)
        return 3
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
