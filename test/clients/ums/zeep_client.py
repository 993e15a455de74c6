"""The UMS Sms loop as a zeep (Debian's python3-zeep) client generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT SERIAL

Sends through the SOAP 1.1 port (SmsSoap11Binding): Sms, then Report until the send's report is
in, Reply, ReplyConfirm with the id Reply gave, Reply again, SearchSmsNum, Auditing. Prints one
line per answer as zeep returned it, `name BASE64(UTF-8 text)` (`name -` for None), the lines the
other UMS client programs print; exit code 2 and a trace on any error.
"""
import base64
import sys
import time
import traceback

import zeep
from zeep.transports import Transport

AUTH = {'in0': '100001', 'in1': 'demo', 'in2': 'demo123'}


def show(name, value):
    text = '-' if value is None else base64.b64encode(str(value).encode('utf-8')).decode('ascii')
    print(name + ' ' + text)


def show_replies(name, answer):
    show(name + '.result', answer.result)
    show(name + '.confirm_time', answer.confirm_time)
    show(name + '.id', answer.id)
    show(name + '.count', len(answer.replys))
    for reply in answer.replys:
        show(name + '.callMdn', reply.callMdn)
        show(name + '.mdn', reply.mdn)
        show(name + '.content', reply.content)
        show(name + '.reply_time', reply.reply_time)


def main(wsdl, endpoint, serial):
    client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20))
    sms = client.create_service('{http://ws.flaginfo.com.cn}SmsSoap11Binding', endpoint)
    show('sms', sms.Sms(**AUTH, in3='您的验证码是1234【一信通】', in4='13800000001,12345', in5=serial, in6='', in7='1'))
    reports = ''
    for _ in range(200):
        reports += sms.Report(**AUTH) or ''
        if serial + ',13800000001,' in reports:
            break
        time.sleep(0.05)
    show('reports', reports)
    first = sms.Reply(**AUTH)
    show_replies('reply', first)
    show('confirm', sms.ReplyConfirm(**AUTH, in3=None, in4=first.id))
    show_replies('replyAfter', sms.Reply(**AUTH))
    left = sms.SearchSmsNum(**AUTH)
    show('balance', '%s;%s' % (left.result, left.number))
    show('audit', sms.Auditing(**AUTH, in3='您的验证码是1234'))
    show('auditRefused', sms.Auditing(**AUTH, in3='本店代开发票'))


if __name__ == '__main__':
    try:
        main(*sys.argv[1:4])
    except Exception:
        traceback.print_exc()
        sys.exit(2)
