"""The Jianzhou BusinessService called by zeep (Debian's python3-zeep), generated from the served WSDL.

    /usr/bin/python3 zeep_client.py WSDL_URL ENDPOINT

Calls as the vendor's SDK callers do (plain password, numbers joined by ;): validateUser,
getUserInfo (its XML string parsed), sendBatchMessage, getReceipt by the task id until both
reports are in, getReceivedMsg (its XML string parsed), a scheduled send and one with a schedule
not in yyyyMMddHHmmss, the refused per-number send, a password change, and the vendor codes for
a wrong password, an empty balance and a bad number. Prints one JSON object of every answer as
parsed; exit code 2 and a trace on any error.
"""
import os
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zeep_run import run  # noqa: E402

BINDING = '{http://service.nineorange.com}BusinessServiceServiceSoapBinding'


def balance(answer):
    """getUserInfo's string is an XML document, <userinfo><balance>N</balance></userinfo>, or a code."""
    return int(ET.fromstring(answer).findtext('balance')) if answer.startswith('<') else int(answer)


def records(answer, tag):
    """getReceipt's and getReceivedMsg's strings: one element per record, its children as fields."""
    return [{child.tag: child.text for child in item} for item in ET.fromstring(answer).iter(tag)]


def calls(sms):
    erp = {'account': 'erp', 'password': 'secret'}
    out = {'login': sms.validateUser(**erp), 'balanceBefore': balance(sms.getUserInfo(**erp))}
    task = sms.sendBatchMessage(**erp, destmobile='13800000001;13800000002', msgText='验证码1234【测试】')
    out['task'] = task
    receipts = []
    for _ in range(200):
        receipts += records(sms.getReceipt(**erp, taskID=task), 'receipt')
        if len(receipts) >= 2:
            break
        time.sleep(0.05)
    out['receipts'] = receipts
    out['receiptsAgain'] = records(sms.getReceipt(**erp, taskID=task), 'receipt')
    out['replies'] = records(sms.getReceivedMsg(**erp, param=0), 'reply')
    out['balanceAfter'] = balance(sms.getUserInfo(**erp))
    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).strftime('%Y%m%d%H%M%S')
    out['scheduledAt'] = tomorrow
    out['scheduled'] = sms.sendTimelyMessage(**erp, sendDateTime=tomorrow, destmobile='13800000003', msgText='明天见【测试】')
    out['badSchedule'] = sms.sendTimelyMessage(**erp, sendDateTime='tomorrow', destmobile='13800000003', msgText='x【测试】')
    out['personal'] = sms.sendPersonalMessages(**erp, destMobiles='13800000001||13800000002', msgContents='a【测试】||b【测试】')
    out['wrongPasswordSend'] = sms.sendBatchMessage(account='erp', password='wrong', destmobile='13800000001', msgText='x【测试】')
    out['wrongPasswordBalance'] = sms.getUserInfo(account='erp', password='wrong')
    out['wrongPasswordLogin'] = sms.validateUser(account='erp', password='wrong')
    out['emptyBalance'] = sms.sendBatchMessage(account='broke', password='secret', destmobile='13800000001', msgText='x【测试】')
    out['badNumber'] = sms.sendBatchMessage(**erp, destmobile='12345', msgText='x【测试】')
    out['passwordChanged'] = sms.modifyPassword(account='erp', oldPassword='secret', newPassword='secret2')
    out['loginNewPassword'] = sms.validateUser(account='erp', password='secret2')
    out['loginOldPassword'] = sms.validateUser(account='erp', password='secret')
    return out


if __name__ == '__main__':
    run(BINDING, calls)
