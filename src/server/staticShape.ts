/**
 * The static-shape attention edits (TPU-MLIR, seed 003) as code actions on Python modeling files.
 * Planned on the document's incrementally maintained tree-sitter tree (the same parser as the
 * operator analysis). An action is offered only where its pattern is: on a line of a function or
 * branch it edits. An edit that does not apply is absent, and its reason goes to the log once per
 * document version. The edit is the minimal set of replacements under a change annotation that
 * needs confirmation, so VS Code opens the Refactor Preview.
 */
import * as path from 'path';
import type { AnnotatedTextEdit, CodeAction, Range, WorkspaceEdit } from 'vscode-languageserver/node';
import { msg } from '../core/i18n';
import { planStaticShape, LAYOUT_GROUP, STATIC_SHAPE_EDITS, type EditSite, type StaticShapeEdit, type StaticShapePlan } from '../core/rewrite';
import { STATIC_SHAPE_KIND } from '../shared/protocol';
import { MAX_PARSED_CHARS, type OpenDocument } from './documents';
import { t, type ServerContext } from './context';

type ActionId = keyof typeof STATIC_SHAPE_KIND;
const ACTION_EDITS: Record<ActionId, readonly StaticShapeEdit[]> = {
  layout: LAYOUT_GROUP,
  'pretraining-tp': ['pretraining-tp'],
  all: STATIC_SHAPE_EDITS,
};
const ACTION_TITLE: Record<ActionId, string> = { layout: 'rewrite.action.layout', 'pretraining-tp': 'rewrite.action.pretraining-tp', all: 'rewrite.action.all' };

/** Files whose text mentions none of these have nothing for the edits to find (cheap pre-filter). */
const MARKERS = /\b(apply_rotary_pos_emb|repeat_kv|pretraining_tp)\b/;

const plans = new Map<string, { version: number; plan: StaticShapePlan }>();
const logged = new Set<string>();

export function forgetStaticShape(uri: string): void {
  plans.delete(uri);
}

function planFor(ctx: ServerContext, doc: OpenDocument): StaticShapePlan | undefined {
  if (doc.language !== 'python' || !doc.tree) return undefined;
  const text = doc.document.getText();
  if (text.length > MAX_PARSED_CHARS || !MARKERS.test(text)) return undefined;
  const hit = plans.get(doc.uri);
  if (hit && hit.version === doc.document.version) return hit.plan;
  const plan = planStaticShape(doc.tree, text);
  plans.set(doc.uri, { version: doc.document.version, plan });
  return plan;
}

const inside = (sites: EditSite[], range: Range) => sites.some((s) => range.start.line <= s.endLine && range.end.line >= s.line);

export function staticShapeActions(ctx: ServerContext, doc: OpenDocument, range: Range, only: string[] | undefined): CodeAction[] {
  const plan = planFor(ctx, doc);
  if (!plan) return [];
  const file = path.basename(doc.uri);
  for (const edit of STATIC_SHAPE_EDITS) {
    const p = plan.plans[edit];
    const key = `${doc.uri}|${doc.document.version}|${edit}`;
    if (p.status === 'refused' && !logged.has(key)) {
      logged.add(key);
      ctx.connection.console.info(t(ctx, msg('rewrite.log.refused', { file, edit, reason: t(ctx, p.reason) })));
    }
  }
  const actions: CodeAction[] = [];
  for (const id of Object.keys(STATIC_SHAPE_KIND) as ActionId[]) {
    const kind = STATIC_SHAPE_KIND[id];
    if (only && !only.some((o) => kind === o || kind.startsWith(o + '.'))) continue;
    const edits = ACTION_EDITS[id].filter((e) => plan.plans[e].status === 'available');
    // The layout group is all or nothing; "all" needs at least two kinds of edit to differ from the others.
    if (id === 'layout' && edits.length !== LAYOUT_GROUP.length) continue;
    if (id === 'pretraining-tp' && !edits.length) continue;
    if (id === 'all' && !(plan.plans['pretraining-tp'].status === 'available' && plan.plans.rotary.status === 'available')) continue;
    const sites = edits.flatMap((e) => {
      const p = plan.plans[e];
      return p.status === 'available' ? p.sites : [];
    });
    if (!inside(sites, range)) continue;
    const result = plan.apply(edits);
    if (!result.applied.length || result.refused.length) continue;
    actions.push({ title: t(ctx, msg(ACTION_TITLE[id])), kind, edit: toWorkspaceEdit(ctx, doc, result.edits, ACTION_TITLE[id]) });
  }
  return actions;
}

function toWorkspaceEdit(ctx: ServerContext, doc: OpenDocument, edits: { start: number; end: number; text: string }[], title: string): WorkspaceEdit {
  const id = `atb-migrate.staticShape:${doc.uri}`;
  const textEdits: AnnotatedTextEdit[] = edits.map((e) => ({
    range: { start: doc.document.positionAt(e.start), end: doc.document.positionAt(e.end) },
    newText: e.text,
    annotationId: id,
  }));
  return {
    documentChanges: [{ textDocument: { uri: doc.uri, version: doc.document.version }, edits: textEdits }],
    changeAnnotations: { [id]: { label: t(ctx, msg(title)), description: path.basename(doc.uri), needsConfirmation: true } },
  };
}
