import * as fs from 'fs';
import * as path from 'path';
import type { GeneratedFile } from '../core/common';

export interface WriteOutcome {
  written: string[];
  failures: { path: string; detail: string }[];
}

/**
 * How every subcommand writes: all or nothing. Each file is first staged as a hidden temp
 * sibling; if any staging fails, the staged ones are removed and nothing was written. Only when
 * all are staged are they renamed over their targets (a rename failure is reported per file).
 */
export function writeAllOrNothing(files: readonly GeneratedFile[]): WriteOutcome {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const f of files) {
      fs.mkdirSync(path.dirname(f.path), { recursive: true });
      const temp = path.join(path.dirname(f.path), `.${path.basename(f.path)}.${process.pid}.tmp`);
      fs.writeFileSync(temp, f.contents, 'utf8');
      staged.push({ temp, target: f.path });
    }
  } catch (error) {
    for (const s of staged) fs.rmSync(s.temp, { force: true });
    const failedAt = files[staged.length]?.path ?? '?';
    return { written: [], failures: [{ path: failedAt, detail: (error as Error).message }] };
  }
  const outcome: WriteOutcome = { written: [], failures: [] };
  for (const s of staged) {
    try {
      fs.renameSync(s.temp, s.target);
      outcome.written.push(s.target);
    } catch (error) {
      fs.rmSync(s.temp, { force: true });
      outcome.failures.push({ path: s.target, detail: (error as Error).message });
    }
  }
  return outcome;
}
