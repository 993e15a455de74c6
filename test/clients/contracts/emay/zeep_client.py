"""Emay's SDKService caller as a zeep (Debian's python3-zeep) client generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT SERIAL KEY EMPTY_SERIAL

The calls and printed lines of EmayAxisMain.java: one `name BASE64(UTF-8 text)` line per answer
(`name -` for None), reports and replies as `field|field...` records joined by `;`, numbers as
Python prints them (a double as 100.0, as Java does); exit code 2 and a trace on any error.
"""
import base64
import sys
import time
import traceback

import zeep
from zeep.transports import Transport

TEXT = '验证码1234【测试】'


def show(name, value):
    text = '-' if value is None else base64.b64encode(str(value).encode('utf-8')).decode('ascii')
    print(name + ' ' + text)


def main(wsdl, endpoint, serial, key, empty_serial):
    client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20))
    sdk = client.create_service('{http://sdkhttp.eucp.b2m.cn/}SDKServiceBinding', endpoint)

    def send(account, password, send_time, mobiles, text=TEXT):
        return sdk.sendSMS(account, password, send_time, mobiles, text, '', 'GBK', 1, 0)

    show('registEx', sdk.registEx(serial, key, 'serialpass'))
    show('balanceBefore', sdk.getBalance(serial, key))
    show('send', send(serial, key, '', ['13800000001', '13800000002']))

    # The simulator vendor delivers within a second: ask until both reports came, as a poller does.
    reports = []
    for _ in range(100):
        for r in sdk.getReport(serial, key) or []:
            reports.append('|'.join(str(v) for v in (r.mobile, r.reportStatus, r.errorCode, r.seqID, r.receiveDate, r.submitDate)))
        if len(reports) >= 2:
            break
        time.sleep(0.1)
    show('reports', ';'.join(reports))
    show('reportsAgain', len(sdk.getReport(serial, key) or []))
    replies = sdk.getMO(serial, key) or []
    show('replies', ';'.join('|'.join((m.mobileNumber, m.smsContent, m.sentTime, m.channelnumber or '')) for m in replies))

    show('balanceAfter', sdk.getBalance(serial, key))
    show('eachFee', sdk.getEachFee(serial, key))
    show('wrongPasswordRegist', sdk.registEx(serial, 'wrong-key', 'serialpass'))
    show('wrongPasswordSend', send(serial, 'wrong-key', '', ['13800000001']))
    show('wrongPasswordBalance', sdk.getBalance(serial, 'wrong-key'))
    show('emptyBalance', send(empty_serial, key, '', ['13800000001']))
    show('badNumber', send(serial, key, '', ['12345']))
    show('badSchedule', send(serial, key, '2026-12-31 08:00', ['13800000001']))
    show('scheduled', send(serial, key, '20351231080000', ['13800000003']))
    show('serialPwdUpd', sdk.serialPwdUpd(serial, key, 'serialpass', 'newpass'))
    show('chargeUp', sdk.chargeUp(serial, key, 'card', 'pass'))
    show('logout', sdk.logout(serial, key))
    show('version', sdk.getVersion())


if __name__ == '__main__':
    try:
        main(*sys.argv[1:6])
    except Exception:
        traceback.print_exc()
        sys.exit(2)
