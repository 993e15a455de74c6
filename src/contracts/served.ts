import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../configError';
import { WSDL_DIR } from '../paths';
import { type Contract, loadContract } from './contract';

/** A contract the gateway serves, at the endpoint path its vendor used. */
export interface ServedContract {
  path: string;
  contract: Contract;
}

/** Where the built-in contracts live: `wsdl/contracts/<name>`. */
export const BUILT_IN_CONTRACTS = join(WSDL_DIR, 'contracts');

/** A contract's folder: a built-in name (no slash), or a path, relative to the configuration file's folder. */
export function contractDir(file: string, name: string): string {
  if (!name.includes('/') && !name.includes('\\') && !name.startsWith('.')) return join(BUILT_IN_CONTRACTS, name);
  return isAbsolute(name) ? name : resolve(dirname(file), name);
}

/**
 * The configuration file's `contracts:` list, each `{ contract: <name or folder>, path: /endpoint }`,
 * every contract loaded and checked now, so that a broken one stops the start with its precise message.
 */
export function loadServedContracts(file: string, raw: unknown): ServedContract[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`${file}: contracts: must be a list of { contract: <name or folder>, path: /endpoint }`);
  const paths = new Set<string>();
  return raw.map((entry, i) => {
    const where = `${file}: contracts.${i}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ConfigError(`${where}: must be { contract: …, path: … }`);
    const { contract, path, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra) throw new ConfigError(`${where}.${extra}: unknown key (a served contract has contract: and path:)`);
    if (typeof contract !== 'string' || contract === '')
      throw new ConfigError(`${where}.contract: is required: a built-in name or a folder`);
    if (typeof path !== 'string' || !/^\/[\w./-]*$/.test(path)) {
      throw new ConfigError(`${where}.path: must be the endpoint path the vendor used, like /Service.asmx`);
    }
    if (paths.has(path)) throw new ConfigError(`${where}.path: ${path} is already served`);
    paths.add(path);
    return { path, contract: loadContract(contractDir(file, contract)) };
  });
}
