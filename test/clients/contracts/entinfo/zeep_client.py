"""The entinfo webservice.asmx called by zeep (Debian's python3-zeep), generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT

Calls as the vendor's samples do (pwd = MD5(sn + password) in upper-case hex, numbers joined by
commas, stime empty for now): balance, mdSmsSend_u to two numbers and report until both are
delivered, mt with an rrid (twice) and report2 for its task id, a scheduled mdSmsSend and one with
a bad stime, SendSMS, RECSMS twice, the balance again, the vendor codes for a wrong password, an
empty balance, a bad number and gxmt, then UDPPwd with a plain and with an MD5 new password.
Prints one JSON object of every answer; exit code 2 and a trace on any error.
"""
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zeep_run import run  # noqa: E402

BINDING = '{http://tempuri.org/}WebServiceSoap'
TEXT = '验证码1234【测试】'


def pwd(sn, password):
    return hashlib.md5((sn + password).encode('utf-8')).hexdigest().upper()


def records_until(fetch, count):
    """Asks until `count` report records came (the simulator delivers within a second), as a poller does."""
    got = []
    for _ in range(100):
        answer = fetch()
        if answer:
            got.extend(answer.split(';'))
        if len(got) >= count:
            break
        time.sleep(0.1)
    return ';'.join(got)


def replies(sms, sn, password):
    return ['|'.join((m.sender, m.content, m.recvtel or '', m.recdate, m.total_num, m.this_num))
            for m in sms.RECSMS(sn, password) or []]


def calls(sms):
    erp = pwd('erp', 'secret')
    out = {'balanceBefore': sms.balance('erp', erp)}
    out['send'] = sms.mdSmsSend_u('erp', erp, '13800000001,13800000002', TEXT, '', '', '')
    out['reports'] = records_until(lambda: sms.report('erp', erp, 0), 2)
    out['reportsAgain'] = sms.report('erp', erp, 0) or ''
    out['mt'] = sms.mt('erp', erp, '13800000005', TEXT, '', '', '88000001')
    out['mtRepeated'] = sms.mt('erp', erp, '13800000005', TEXT, '', '', '88000001')
    out['report2'] = records_until(lambda: sms.report2('erp', erp, 0, out['mt']), 1)
    out['scheduled'] = sms.mdSmsSend('erp', erp, '13800000003', '明天见【测试】', '', '2035-6-9 08:05:03', '')
    out['badSchedule'] = sms.mt('erp', erp, '13800000003', TEXT, '', 'tomorrow', '')
    out['sendSMS'] = sms.SendSMS('erp', erp, '13800000004', TEXT)
    out['replies'] = replies(sms, 'erp', erp)
    out['repliesAgain'] = replies(sms, 'erp', erp)
    out['balanceAfter'] = sms.GetBalance('erp', erp)
    out['wrongPasswordSend'] = sms.mdSmsSend_u('erp', pwd('erp', 'wrong'), '13800000001', TEXT, '', '', '')
    out['wrongPasswordBalance'] = sms.balance('erp', pwd('erp', 'wrong'))
    out['emptyBalance'] = sms.mdSmsSend_u('broke', pwd('broke', 'secret'), '13800000001', TEXT, '', '', '')
    out['badNumber'] = sms.mdSmsSend_u('erp', erp, '12345', TEXT, '', '', '')
    out['gxmt'] = sms.gxmt('erp', erp, '13800000001,13800000002', 'a【测试】,b【测试】', '', '', '')
    out['plainNewPassword'] = sms.UDPPwd('erp', erp, 'secret2')
    out['passwordChanged'] = sms.UDPPwd('erp', erp, pwd('erp', 'secret2'))
    out['balanceNewPassword'] = sms.balance('erp', pwd('erp', 'secret2'))
    out['balanceOldPassword'] = sms.balance('erp', erp)
    return out


if __name__ == '__main__':
    run(BINDING, calls)
