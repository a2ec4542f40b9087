/** Path pieces for the quantize front: paths come from VS Code or the CLI, with `/` or `\`. */

/** The folder part, with its trailing separator (`''` for a bare name). */
export function dirOf(p: string): string {
  return p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

/** The file name with its extension. */
export function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

export function splitPath(p: string): { dir: string; base: string; ext: string } {
  const file = baseName(p);
  const dot = file.lastIndexOf('.');
  return dot > 0 ? { dir: dirOf(p), base: file.slice(0, dot), ext: file.slice(dot) } : { dir: dirOf(p), base: file, ext: '' };
}

export function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}
