/** The readiness summary as text lines (CLI, output channel) and as plain JSON (reports, --json). */
import { formatMessage, msg, type Locale } from '../i18n';
import type { PartReadiness, ReadinessSummary, TargetReadiness } from './readiness';
import './messages';

function partText(p: PartReadiness, locale: Locale): string {
  const name = formatMessage(msg(`analysis.readiness.part.${p.variant ?? p.part}`), locale);
  const status = formatMessage(msg(`analysis.readiness.status.${p.status}`, { unsupported: p.unsupported.join(', ') }), locale);
  if (p.atbOps.length) return `${name} ${status} (${p.atbOps.slice(0, 4).join(', ')})`;
  return p.status === 'absent' ? `${name} ${status}` : `${name} ${status} (${formatMessage(msg('analysis.readiness.hostOnly'), locale)})`;
}

function targetText(t: TargetReadiness, locale: Locale): string {
  const name = formatMessage(msg(`analysis.readiness.target.${t.target}`), locale);
  const status = formatMessage(msg(`analysis.readiness.tstatus.${t.status}`), locale);
  const why = t.reason ? [formatMessage(t.reason, locale)] : t.refused.map((r) => formatMessage(r.reason, locale));
  return why.length ? `${name} ${status} (${why.join('; ')})` : `${name} ${status}`;
}

export function readinessLines(s: ReadinessSummary, locale: Locale = 'en'): string[] {
  const sep = locale === 'zh-cn' ? '；' : '; ';
  return [
    formatMessage(msg('analysis.readiness.line', { ...s.counts }), locale),
    formatMessage(msg('analysis.readiness.parts', { parts: s.parts.filter((p) => p.status !== 'absent').map((p) => partText(p, locale)).join(sep) }), locale),
    formatMessage(msg('analysis.readiness.targets', { targets: s.targets.map((t) => targetText(t, locale)).join(sep) }), locale),
  ];
}

/** Plain JSON: the `summary` object of `<ModelClass>.json` and of `analyze --json`. */
export function readinessJson(s: ReadinessSummary, locale: Locale = 'en'): Record<string, unknown> {
  return {
    counts: s.counts,
    parts: s.parts.map((p) => ({ part: p.part, ...(p.variant ? { variant: p.variant } : {}), status: p.status, atb_ops: p.atbOps, unsupported: p.unsupported })),
    family: s.family ?? null,
    targets: s.targets.map((t) => ({
      target: t.target,
      status: t.status,
      refused: t.refused.map((r) => ({ quirk: r.quirk, detail: r.detail, reason: formatMessage(r.reason, locale) })),
      ...(t.reason ? { reason: formatMessage(t.reason, locale) } : {}),
    })),
  };
}
