/**
 * Language server memory: the built server's RSS after it has opened and analysed 20 model
 * files (keeping a syntax tree for each), against its own RSS right after initialize (same
 * process, same run). Edit latency is not benched here: it is dominated by the 150 ms debounce.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Bench } from './harness';
import type { StatsResult } from '../src/shared/protocol';
import { FIXTURES, SERVER, tempWorkspace, TestServer } from '../test/server/lspClient';

const MB = 1024 * 1024;

function modelSources(): { name: string; text: string }[] {
  const dirs = [path.join(FIXTURES, 'models-src'), path.join(FIXTURES, 'server', 'workspace')];
  const files: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) if (/modeling_[^/]*\.py$/.test(entry)) files.push(path.join(dir, entry));
  }
  return files.map((f) => ({ name: path.basename(f), text: fs.readFileSync(f, 'utf8') }));
}

export default async function (b: Bench): Promise<void> {
  if (!fs.existsSync(SERVER)) {
    console.log('  (skipped: dist/server.js missing, run `node esbuild.mjs`)');
    return;
  }
  const sources = modelSources();
  const root = tempWorkspace([]);
  const server = await TestServer.start({ root });
  try {
    // Baseline: the idle server (grammars loaded, catalogue parsed, nothing open).
    await new Promise((r) => setTimeout(r, 300));
    const idle = await server.request<StatsResult>('atb/stats', null);
    const uris: string[] = [];
    for (let i = 0; i < 20; i++) {
      const src = sources[i % sources.length];
      const uri = server.open(path.join(root, `m${i}`, src.name), src.text, 'python');
      uris.push(uri);
    }
    for (const uri of uris) await server.diagnosticsFor(uri, undefined, 1, 60000);
    const loaded = await server.request<StatsResult>('atb/stats', null);
    console.log(`  server RSS idle ${(idle.rss / MB).toFixed(1)} MB, after 20 analysed files ${(loaded.rss / MB).toFixed(1)} MB (${loaded.trees} trees, heap ${(loaded.heapUsed / MB).toFixed(1)} MB)`);
    b.atMost('server RSS after analysing 20 model files / idle RSS', loaded.rss / idle.rss, 2.5, 'x');
    b.atMost('server RSS after analysing 20 model files', loaded.rss / MB, 400, 'MB');

  } finally {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
