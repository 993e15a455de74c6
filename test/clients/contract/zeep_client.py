"""The test vendor's contract called by zeep (Debian's python3-zeep), generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT

Sends as the vendor's own client did (the password's MD5, numbers separated by |), through the
SOAP 1.1 port, then waits for both reports, reads them again (none: fetched once), the replies,
the balance, the vendor codes for a wrong password, an empty balance and a bad number, and the
balance through the SOAP 1.2 port. Prints one JSON object of every answer as zeep parsed it;
exit code 2 and a trace on any error.
"""
import hashlib
import json
import sys
import time
import traceback

import zeep
from zeep.helpers import serialize_object
from zeep.transports import Transport

NS = '{http://sms.vendor.example/}'


def md5(text):
    return hashlib.md5(text.encode('utf-8')).hexdigest()


def main(wsdl, endpoint):
    client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20))
    sms = client.create_service(NS + 'VendorSmsSoap', endpoint)
    sms12 = client.create_service(NS + 'VendorSmsSoap12', endpoint)
    erp = {'account': 'erp', 'password': md5('secret')}
    out = {'version': sms.GetVersion(), 'balanceBefore': sms.GetBalance(**erp)}
    out['send'] = sms.SendSms(**erp, mobiles='13800000001|13800000002', content='验证码1234【测试】')
    reports = []
    for _ in range(200):
        answer = sms.GetReport(**erp)
        if answer.GetReportResult is not None:
            reports += serialize_object(answer.GetReportResult.Report)
        if len(reports) >= 2:
            break
        time.sleep(0.05)
    out['reportCode'] = answer.Code
    out['reports'] = reports
    again = sms.GetReport(**erp)
    out['reportsAgain'] = serialize_object(again.GetReportResult)
    out['replies'] = sms.GetReply(**erp)
    out['balanceAfter'] = sms.GetBalance(**erp)
    out['wrongPasswordSend'] = sms.SendSms(account='erp', password=md5('wrong'), mobiles='13800000001', content='x【测试】')
    out['wrongPasswordBalance'] = sms.GetBalance(account='erp', password=md5('wrong'))
    out['wrongPasswordReport'] = serialize_object(sms.GetReport(account='erp', password=md5('wrong')))
    out['emptyBalance'] = sms.SendSms(account='broke', password=md5('secret'), mobiles='13800000001', content='x【测试】')
    out['badNumber'] = sms.SendSms(**erp, mobiles='12345', content='x【测试】')
    out['auditOk'] = sms.CheckContent(**erp, content='您的验证码是1234【测试】')
    out['auditForbidden'] = sms.CheckContent(**erp, content='免费赌博【测试】')
    out['balance12'] = sms12.GetBalance(**{'account': 'erp', 'password': md5('secret').upper()})
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == '__main__':
    try:
        main(*sys.argv[1:])
    except Exception:
        traceback.print_exc()
        sys.exit(2)
