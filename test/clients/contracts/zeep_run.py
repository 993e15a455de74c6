"""What the zeep clients of the shipped contracts share: the service from the served WSDL, bound
to the gateway's endpoint, and the run (argv WSDL_URL ENDPOINT; one JSON object printed; exit code
2 and a trace on any error)."""
import json
import sys
import traceback

import zeep
from zeep.transports import Transport


def run(binding, calls):
    """Calls `calls(service)` on the binding's service and prints the dict it answers as JSON."""
    try:
        wsdl, endpoint = sys.argv[1], sys.argv[2]
        client = zeep.Client(wsdl, transport=Transport(timeout=20, operation_timeout=20))
        print(json.dumps(calls(client.create_service(binding, endpoint)), ensure_ascii=False, default=str))
    except Exception:
        traceback.print_exc()
        sys.exit(2)
