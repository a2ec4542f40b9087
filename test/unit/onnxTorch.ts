/**
 * Whether Debian's python3-torch and python3-onnx are there (`/usr/bin/python3`, not a pyenv python).
 * Tests that need them skip with a clear message locally; under CI=true they must run.
 */
import { execFileSync } from 'child_process';

export const SYSTEM_PYTHON = process.env.ATB_MIGRATE_TORCH_PYTHON ?? '/usr/bin/python3';

let cached: boolean | undefined;
export function hasTorch(): boolean {
  if (cached === undefined) {
    try {
      execFileSync(SYSTEM_PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** Call at the top of a test that needs torch: skips locally, fails under CI. */
export function requireTorch(ctx: Mocha.Context): void {
  if (hasTorch()) return;
  const why = `${SYSTEM_PYTHON} lacks torch/onnx (apt-get install python3-torch python3-onnx)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}
