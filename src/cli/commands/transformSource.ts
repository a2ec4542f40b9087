/**
 * Which form of `transform -s` a command line asks for, without loading either mode: the layer
 * mode (quantize .cpp layers) starts without the model reader and generators, the model mode
 * (./transformModel) without the quantize engine.
 */
import * as fs from 'fs';
import * as path from 'path';

/** True when `-s` names a folder with config.json: the model scenarios, not the layer rewrite. */
export function isModelSource(argv: string[], cwd: string): boolean {
  const i = argv.findIndex((a) => a === '-s' || a === '--source' || a.startsWith('--source='));
  if (i < 0) return false;
  const value = argv[i].startsWith('--source=') ? argv[i].slice('--source='.length) : argv[i + 1];
  if (!value) return false;
  const dir = path.resolve(cwd, value);
  return fs.existsSync(path.join(dir, 'config.json'));
}

/** msit's model-scenario flags: any of them selects the model mode. */
export const MODEL_FLAGS = ['-atb', '--atb_model_path', '-py', '--to-python', '-quant', '--to-quant', '-a', '--analyze'];
