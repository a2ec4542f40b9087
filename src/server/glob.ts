/**
 * The few glob forms the `atbMigrate.analysis.modelFileGlobs` setting needs (`**`, `*`, `?`,
 * `{a,b}`), matched against a `/`-separated path. A pattern without a `/` matches the file name
 * anywhere, as VS Code's `files.exclude` does.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        source += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (c === '?') source += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) source += '\\{';
      else {
        source += '(?:' + glob.slice(i + 1, close).split(',').map(escape).join('|') + ')';
        i = close;
      }
    } else source += escape(c);
  }
  return new RegExp((glob.includes('/') ? '^' : '(?:^|/)') + source + '$');
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

export function matchesAnyGlob(path: string, globs: readonly string[]): boolean {
  const normalized = path.replace(/\\/g, '/');
  return globs.some((g) => {
    const re = globToRegExp(g);
    // `**/x` should also match a relative path `x` and an absolute `/a/b/x`.
    return re.test(normalized) || re.test(normalized.replace(/^\/+/, ''));
  });
}
