/** Small helpers for writing Python source text. */

export const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type'.split(' '),
);

/** Python's `str.capitalize()`: first character upper, the rest lower (`internlm2` → `Internlm2`). */
export function pyCapitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** A Python literal for a JSON scalar; floats keep a decimal point so `float` fields stay floats. */
export function pyLiteral(value: unknown, asFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'None';
    const text = String(value);
    return asFloat && Number.isInteger(value) && !/e/i.test(text) ? `${text}.0` : text;
  }
  return JSON.stringify(String(value));
}

/** Tensor/module names go into Python strings: only plain dotted identifiers are accepted. */
export const SAFE_NAME = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
