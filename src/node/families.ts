/**
 * Node-side location of the built-in family catalogue: next to the bundle (esbuild.mjs copies
 * src/core/families/families.yaml to dist/), or in the source tree when running from out/.
 * Importing this module registers it as the reader's default catalogue.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadFamilies, registerBuiltinFamilies, type FamilyCatalogue } from '../core/families';
import { builtinDataPath, OVERRIDE_FILE } from './catalogFile';

export function builtinFamiliesPath(dirs: string[] = [__dirname]): string | undefined {
  return builtinDataPath('families.yaml', 'families', dirs);
}

export function readBuiltinFamilies(): string {
  const file = builtinFamiliesPath();
  if (!file) throw new Error(`atb-migrate: cannot find families.yaml next to ${__dirname}; the installation is incomplete`);
  return fs.readFileSync(file, 'utf8');
}

registerBuiltinFamilies(readBuiltinFamilies);

/** The built-in catalogue patched by `families:` in `<workspaceDir>/.atb-migrate.yaml`, when present. */
export function loadNodeFamilies(workspaceDir?: string): FamilyCatalogue {
  const overridePath = workspaceDir ? path.join(workspaceDir, OVERRIDE_FILE) : undefined;
  const overrideText = overridePath && fs.existsSync(overridePath) ? fs.readFileSync(overridePath, 'utf8') : undefined;
  return loadFamilies(readBuiltinFamilies(), overrideText !== undefined && overridePath ? { path: overridePath, text: overrideText } : undefined);
}
