/**
 * Reading the tensor names of a .safetensors file without touching tensor data: the file starts
 * with an 8-byte little-endian header length, then that many bytes of JSON
 * (`{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}`).
 */
import type { FileReader } from '../common';
import { msg, type Message } from '../i18n';

/** Real headers of 70B shards are a few hundred KB; 100 MB is the format's own limit. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export type HeaderResult =
  | { ok: true; names: string[]; dtypes: Record<string, string> }
  | { ok: false; message: Message; hint?: Message };

export async function readSafetensorsHeader(reader: FileReader, path: string, fileName: string): Promise<HeaderResult> {
  const size = await reader.size(path);
  if (size === undefined || size < 8) {
    return { ok: false, message: msg('modelDir.st-too-small', { file: fileName, size: size ?? 0 }) };
  }
  const prefix = await reader.readBytes(path, 0, 8);
  if (!prefix || prefix.length < 8) {
    return { ok: false, message: msg('modelDir.st-too-small', { file: fileName, size }) };
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  const limit = Math.min(MAX_HEADER_BYTES, size - 8);
  if (length === 0n || length > BigInt(limit)) {
    return {
      ok: false,
      message: msg('modelDir.st-oversized', { file: fileName, length: length.toString(), limit }),
      hint: msg('modelDir.st-corrupt.hint', { file: fileName }),
    };
  }
  const bytes = await reader.readBytes(path, 8, Number(length));
  if (!bytes || bytes.length !== Number(length)) {
    return { ok: false, message: msg('modelDir.st-corrupt', { file: fileName, detail: 'truncated header' }), hint: msg('modelDir.st-corrupt.hint', { file: fileName }) };
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return { ok: false, message: msg('modelDir.st-corrupt', { file: fileName, detail: (error as Error).message }), hint: msg('modelDir.st-corrupt.hint', { file: fileName }) };
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) {
    return { ok: false, message: msg('modelDir.st-corrupt', { file: fileName, detail: 'the header is not a JSON object' }), hint: msg('modelDir.st-corrupt.hint', { file: fileName }) };
  }
  const names: string[] = [];
  const dtypes: Record<string, string> = {};
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!entry || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
      return { ok: false, message: msg('modelDir.st-corrupt', { file: fileName, detail: `entry ${name} lacks dtype/shape/data_offsets` }), hint: msg('modelDir.st-corrupt.hint', { file: fileName }) };
    }
    names.push(name);
    dtypes[name] = entry.dtype;
  }
  return { ok: true, names, dtypes };
}
