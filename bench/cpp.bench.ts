/**
 * Generating a C++ graph model (C++ model + layer + Python caller) from a read ModelSpec: under
 * 50 ms warm, stated against a same-run baseline (the torch-like v3 generation of the same spec).
 */
import * as path from 'path';
import type { Bench } from './harness';
import { generateV3 } from '../src/core/generate';
import { generateCpp } from '../src/core/generate/cpp';
import { readModelFolder } from '../src/core/modelDir';
import { nodeFileReader } from '../src/node/fileReader';
import '../src/core/messages';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'model-folders');

export default async function (b: Bench): Promise<void> {
  const read = await readModelFolder(nodeFileReader, path.join(FIXTURES, 'qwen2'));
  if (!read.spec) throw new Error('bench folder did not read');
  const spec = read.spec;
  const baseline = await b.time('generateV3 (torch-like) of the same spec (baseline)', async () => {
    if (generateV3(spec, { outDir: '/out' }).files.length !== 5) throw new Error('v3 generation failed');
  });
  const cpp = await b.time('generateCpp (C++ model + Python caller)', async () => {
    if (generateCpp(spec, { outRoot: '/out', version: 'v3.0.0' }).files.length !== 7) throw new Error('cpp generation failed');
  });
  b.atMost('C++ graph generation, warm', cpp.median, 50, 'ms');
  b.ratio('C++ generation vs. torch-like generation', cpp, baseline, 5);
}
