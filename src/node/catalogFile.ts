/**
 * Node-side location of the built-in operator catalogue: next to the bundle (esbuild.mjs copies
 * src/core/catalog/operators.yaml to dist/), or in the source tree when running unbundled from out/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadCatalog, type Catalog } from '../core/catalog';
import type { DiagnosticData } from '../core/common';

export const OVERRIDE_FILE = '.atb-migrate.yaml';

/**
 * A data file shipped with the engine (`operators.yaml`, `families.yaml`): next to the bundle, or
 * in the source tree (`src/core/<folder>/`) when running unbundled from out/ or from the sources.
 */
export function builtinDataPath(file: string, coreFolder: string, dirs: string[] = [__dirname]): string | undefined {
  const candidates: string[] = [];
  for (const dir of dirs) {
    candidates.push(
      path.join(dir, file), // dist/ (bundled)
      path.join(dir, '..', 'dist', file),
      path.join(dir, '..', 'core', coreFolder, file), // src/node (ts sources)
      path.join(dir, '..', '..', '..', 'src', 'core', coreFolder, file), // out/src/node
    );
  }
  return candidates.find((c) => fs.existsSync(c));
}

export function builtinCatalogPath(dirs: string[] = [__dirname]): string | undefined {
  return builtinDataPath('operators.yaml', 'catalog', dirs);
}

export function readBuiltinCatalog(): { path: string; text: string } {
  const file = builtinCatalogPath();
  if (!file) throw new Error(`atb-migrate: cannot find operators.yaml next to ${__dirname}; the installation is incomplete`);
  return { path: file, text: fs.readFileSync(file, 'utf8') };
}

/** The built-in catalogue plus `<workspaceDir>/.atb-migrate.yaml` when it exists. */
export function loadNodeCatalog(workspaceDir?: string): { catalog: Catalog; problems: DiagnosticData[]; overridePath?: string } {
  const builtin = readBuiltinCatalog();
  const overridePath = workspaceDir ? path.join(workspaceDir, OVERRIDE_FILE) : undefined;
  const overrideText = overridePath && fs.existsSync(overridePath) ? fs.readFileSync(overridePath, 'utf8') : undefined;
  const { catalog, problems } = loadCatalog(builtin.text, overrideText !== undefined && overridePath ? { path: overridePath, text: overrideText } : undefined);
  return { catalog, problems, ...(overrideText !== undefined ? { overridePath } : {}) };
}
