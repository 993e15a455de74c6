import { renderElements } from '../soap/render';
import type { Contract, PreparedOperation } from './contract';
import { type CallResult, renderAnswer, renderRefusal, templateTime, vendorCode } from './service';

/** Sample results, one per call, for rendering each answer as `contract:check` shows it. */
const sampleTime = templateTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));

function sample(op: PreparedOperation): CallResult {
  switch (op.call) {
    case 'send':
      return {
        top: {
          batchId: '20260102110405000001',
          taskId: '1',
          serial: '',
          serialOrTaskId: '1',
          accepted: '2',
          charged: '2',
          invalid: '12345',
          count: '2',
        },
        items: [],
      };
    case 'balance':
      return { top: { balance: '1000' }, items: [] };
    case 'reports':
      return {
        top: { count: '2' },
        items: [op.statuses.delivered, op.statuses.failed].map((status, i) => ({
          mobile: `1380000000${i + 1}`,
          batchId: '20260102110405000001',
          taskId: '1',
          serial: '',
          status,
          code: i === 0 ? 'DELIVRD' : 'UNDELIV',
          sendTime: sampleTime,
          reportTime: sampleTime,
        })),
      };
    case 'replies':
      return {
        top: { count: '1', confirmId: '7', lastConfirmedAt: sampleTime },
        items: [{ mobile: '13800000001', content: 'TD <ok> & 好', receiver: 'demo', extNo: '', receivedAt: sampleTime }],
      };
    case 'confirm':
      return { top: { confirmed: '1' }, items: [] };
    case 'audit':
    case 'login':
    case 'password':
    case 'fixed':
      return { top: {}, items: [] };
  }
}

/** The response element of `op` holding `children`, as the gateway writes it under SOAP 1.1. */
function responseXml(op: PreparedOperation, children: ReturnType<typeof renderAnswer>): string {
  const call = { version: '1.1' as const, operation: op.wsdl.name, operationNs: '', params: [], encoded: false, qualified: false };
  const envelope = renderElements(call, children, {
    element: op.wsdl.response.element,
    namespace: op.wsdl.namespace,
    qualified: op.wsdl.qualified,
    encoded: op.wsdl.encoded,
  });
  return envelope.slice(envelope.indexOf('<soap:Body>') + '<soap:Body>'.length, envelope.lastIndexOf('</soap:Body>'));
}

/** What `smsgw contract:check` prints: the contract's bindings, then per operation its call, inputs and sample answers. */
export function describeContract(contract: Contract): string {
  const { wsdl } = contract;
  const lines = [
    `contract ${contract.dir}`,
    `  namespace ${wsdl.targetNamespace}, SOAP ${wsdl.versions.join(' and ')}`,
    `  codes: ${Object.entries(contract.codes)
      .map(([reason, code]) => `${reason}=${code}`)
      .join(', ')}`,
  ];
  for (const op of contract.operations) {
    const w = op.wsdl;
    const actions = Object.entries(w.soapActions)
      .map(([version, action]) => `SOAP ${version} "${action}"`)
      .join(', ');
    lines.push(
      '',
      `${w.name} → ${op.call}${op.call === 'send' || op.call === 'balance' ? ` (pool ${op.pool})` : ''}`,
      `  ${w.style}/${w.encoded ? 'encoded' : 'literal'}, ${w.qualified ? 'qualified' : 'unqualified'}, ${actions}`,
      `  request ${w.request.element}(${w.request.params.map((p) => p.name).join(', ')})`,
    );
    for (const [input, spec] of Object.entries(op.inputs)) {
      lines.push(
        `    ${input} ← ${spec.param}${spec.transform !== 'plain' ? ` (${spec.transform})` : ''}${spec.separator ? ` split by "${spec.separator}"` : ''}${input === 'schedule' ? ` as ${spec.format}` : ''}${op.lists.includes(spec.param) ? ' (every value)' : ''}`,
      );
    }
    lines.push(`  answer  ${responseXml(op, renderAnswer(op, sample(op)))}`);
    if (op.call !== 'fixed')
      lines.push(`  refused ${responseXml(op, renderRefusal(op, vendorCode(contract, 'badCredentials')))}  (wrong password)`);
  }
  return lines.join('\n');
}
