import * as fs from 'fs';
import * as path from 'path';
import type { FileReader } from '../core/common';
// Every node front door reads model folders through this reader: register the family catalogue with it.
import './families';

/** The real file system behind the core's FileReader. Missing files answer `undefined`. */
export const nodeFileReader: FileReader = {
  async readText(file) {
    try {
      return await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  async readBytes(file, offset, length) {
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(file, 'r');
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    } finally {
      await handle?.close();
    }
  },
  async size(file) {
    try {
      return (await fs.promises.stat(file)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  async list(dir) {
    try {
      const entries = await fs.promises.readdir(dir, { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  },
};

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'EISDIR';
}

export function resolvePath(p: string): string {
  return path.resolve(p);
}
