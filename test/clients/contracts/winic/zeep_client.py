"""The Winic Service.asmx called by zeep (Debian's python3-zeep), generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT

Calls as the vendor's samples do (plain password, otime empty for now): GetUserInfo,
SendMessages to two numbers joined by a comma, one scheduled (otime in milliseconds since the
epoch, as the Java sample passes it), the balance again, EditUserPwd, a refused fax, and the
vendor codes for a wrong password, an empty balance and a bad number. Prints one JSON object of
every answer; exit code 2 and a trace on any error.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zeep_run import run  # noqa: E402

BINDING = '{http://tempuri.org/}Service1Soap'


def calls(sms):
    erp = {'uid': 'erp', 'pwd': 'secret'}
    out = {'balanceBefore': sms.GetUserInfo(**erp)}
    out['send'] = sms.SendMessages(**erp, tos='13800000001,13800000002', msg='验证码1234【测试】', otime='')
    tomorrow = int(time.time() * 1000) + 86_400_000
    out['scheduledAt'] = tomorrow
    out['scheduled'] = sms.SendMessages(**erp, tos='13800000003', msg='明天见【测试】', otime=str(tomorrow))
    out['badSchedule'] = sms.SendMessages(**erp, tos='13800000003', msg='x【测试】', otime='tomorrow')
    out['balanceAfter'] = sms.GetUserInfo(**erp)
    out['fax'] = sms.SendFax(**erp, faxno='02100000000', men='x', title='x', Bytes=b'x', FileName='x.txt')
    out['wrongPasswordSend'] = sms.SendMessages(uid='erp', pwd='wrong', tos='13800000001', msg='x【测试】', otime='')
    out['wrongPasswordBalance'] = sms.GetUserInfo(uid='erp', pwd='wrong')
    out['emptyBalance'] = sms.SendMessages(uid='broke', pwd='secret', tos='13800000001', msg='x【测试】', otime='')
    out['badNumber'] = sms.SendMessages(**erp, tos='12345', msg='x【测试】', otime='')
    out['passwordChanged'] = sms.EditUserPwd(**erp, newpwd='secret2')
    out['balanceNewPassword'] = sms.GetUserInfo(uid='erp', pwd='secret2')
    return out


if __name__ == '__main__':
    run(BINDING, calls)
