"""The UMS Sms loop as a zeep (Debian's python3-zeep) client generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT SERIAL

Sends through the SOAP 1.1 port (SmsSoap11Binding): Sms, then Report until the send's report is
in, Reply, ReplyConfirm with the id Reply gave, Reply again, SearchSmsNum, Auditing. Prints one
JSON object with every answer as zeep returned it; exit code 2 and a trace on any error.
"""
import json
import sys
import time
import traceback

import zeep
from zeep.helpers import serialize_object
from zeep.transports import Transport

AUTH = {'in0': '100001', 'in1': 'demo', 'in2': 'demo123'}


def main(wsdl, endpoint, serial):
    client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20))
    sms = client.create_service('{http://ws.flaginfo.com.cn}SmsSoap11Binding', endpoint)
    out = {}
    out['sms'] = sms.Sms(**AUTH, in3='您的验证码是1234【一信通】', in4='13800000001,12345', in5=serial, in6='', in7='1')
    reports = ''
    for _ in range(200):
        reports += sms.Report(**AUTH) or ''
        if serial + ',13800000001,' in reports:
            break
        time.sleep(0.05)
    out['reports'] = reports
    first = serialize_object(sms.Reply(**AUTH))
    out['reply'] = first
    out['confirm'] = sms.ReplyConfirm(**AUTH, in3=None, in4=first['id'])
    out['replyAfter'] = serialize_object(sms.Reply(**AUTH))
    out['balance'] = serialize_object(sms.SearchSmsNum(**AUTH))
    out['audit'] = sms.Auditing(**AUTH, in3='您的验证码是1234')
    out['auditRefused'] = sms.Auditing(**AUTH, in3='本店代开发票')
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == '__main__':
    try:
        main(*sys.argv[1:4])
    except Exception:
        traceback.print_exc()
        sys.exit(2)
