/**
 * The 【签名】 of a text, as the seeds' vendors and the carriers require it: at the start or at the
 * end, one to MAX_SIGNATURE_LENGTH characters. The audit (a required signature), per-number
 * limits (counted per signature) and vendor templates (the signature sent apart) all read it here.
 */

/** The most characters a signature has (the `number_window.signature` column); a longer 【…】 is part of the text. */
export const MAX_SIGNATURE_LENGTH = 20;

const AT_START = new RegExp(`^【([^【】]{1,${MAX_SIGNATURE_LENGTH}})】([\\s\\S]*)$`, 'u');
const AT_END = new RegExp(`^([\\s\\S]*?)【([^【】]{1,${MAX_SIGNATURE_LENGTH}})】$`, 'u');

/** The text without its signature, and the signature without its brackets (the one at the start, else the one at the end), or null. */
export function splitSignature(text: string): { body: string; signName: string | null } {
  const trimmed = text.trim();
  const start = AT_START.exec(trimmed);
  if (start) return { body: start[2]!.trim(), signName: start[1]! };
  const end = AT_END.exec(trimmed);
  return end ? { body: end[1]!.trim(), signName: end[2]! } : { body: trimmed, signName: null };
}

/** The text's signature without its brackets, or ''. */
export function signatureOf(text: string): string {
  return splitSignature(text).signName ?? '';
}
