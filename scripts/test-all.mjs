// Placeholder: runs the unit tier. Replaced by the tiered runner.
import { spawnSync } from 'node:child_process';
const r = spawnSync('npm', ['run', 'test:unit'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
