/**
 * The "Operator Support" view: the model's module tree with per-node verdict counts, each
 * operation with a status icon, its ATB op and reason in the tooltip; clicking reveals the source.
 */
import * as vscode from 'vscode';
import type { AnalyzeResult, ModuleNodeData, OperatorUseData, ReadinessData, Verdict, VerdictCounts } from '../shared/protocol';

type SummaryRow = { label: string; description: string; ok: boolean | undefined; tooltip: string };

export type OperatorItem =
  | { kind: 'node'; node: ModuleNodeData }
  | { kind: 'use'; use: OperatorUseData }
  | { kind: 'note'; text: string }
  | { kind: 'summary'; summary: ReadinessData }
  | { kind: 'summaryRow'; row: SummaryRow };

const ICONS: Record<Verdict, { id: string; color: string }> = {
  native: { id: 'pass-filled', color: 'testing.iconPassed' },
  fused: { id: 'merge', color: 'charts.blue' },
  view: { id: 'eye', color: 'descriptionForeground' },
  host: { id: 'server-process', color: 'descriptionForeground' },
  unsupported: { id: 'error', color: 'problemsErrorIcon.foreground' },
};

export function verdictLabel(v: Verdict): string {
  switch (v) {
    case 'native':
      return vscode.l10n.t('native');
    case 'fused':
      return vscode.l10n.t('fused');
    case 'view':
      return vscode.l10n.t('view');
    case 'host':
      return vscode.l10n.t('host');
    case 'unsupported':
      return vscode.l10n.t('unsupported');
  }
}

export function countsText(c: VerdictCounts): string {
  return vscode.l10n.t('{0} native · {1} fused · {2} view · {3} host · {4} unsupported', c.native, c.fused, c.view, c.host ?? 0, c.unsupported);
}

export class OperatorTreeProvider implements vscode.TreeDataProvider<OperatorItem> {
  private readonly changed = new vscode.EventEmitter<OperatorItem | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private result: AnalyzeResult | undefined;
  private onlyUnsupported = false;

  get current(): AnalyzeResult | undefined {
    return this.result;
  }

  get filtered(): boolean {
    return this.onlyUnsupported;
  }

  set(result: AnalyzeResult | undefined): void {
    this.result = result;
    this.changed.fire();
  }

  setOnlyUnsupported(only: boolean): void {
    this.onlyUnsupported = only;
    void vscode.commands.executeCommand('setContext', 'atbMigrate.onlyUnsupported', only);
    this.changed.fire();
  }

  getChildren(element?: OperatorItem): OperatorItem[] {
    if (!element) {
      if (!this.result) return [];
      if (!this.result.root) return this.result.notes.map((text) => ({ kind: 'note', text }));
      // The readiness summary sits at the top, above the module tree.
      const top: OperatorItem[] = this.result.summary ? [{ kind: 'summary', summary: this.result.summary }] : [];
      return this.visibleNode(this.result.root) ? [...top, { kind: 'node', node: this.result.root }] : top;
    }
    if (element.kind === 'summary') return summaryRows(element.summary).map((row) => ({ kind: 'summaryRow', row }));
    if (element.kind !== 'node') return [];
    const children: OperatorItem[] = element.node.children.filter((n) => this.visibleNode(n)).map((node) => ({ kind: 'node', node }));
    for (const use of element.node.uses) if (!this.onlyUnsupported || use.verdict === 'unsupported') children.push({ kind: 'use', use });
    return children;
  }

  private visibleNode(node: ModuleNodeData): boolean {
    return !this.onlyUnsupported || node.counts.unsupported > 0;
  }

  getTreeItem(element: OperatorItem): vscode.TreeItem {
    if (element.kind === 'note') {
      const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('info');
      item.contextValue = 'note';
      return item;
    }
    if (element.kind === 'node') return nodeItem(element.node, this.getChildren(element).length > 0);
    if (element.kind === 'summary') return summaryItem(element.summary);
    if (element.kind === 'summaryRow') return summaryRowItem(element.row);
    return useItem(element.use);
  }
}

function summaryRows(s: ReadinessData): SummaryRow[] {
  const parts = s.parts.map((p) => ({
    label: p.label,
    description:
      p.status === 'atb'
        ? vscode.l10n.t('ATB: {0}', p.atbOps.slice(0, 4).join(', ') || vscode.l10n.t('host work only'))
        : p.status === 'partial'
          ? vscode.l10n.t('partly: no counterpart for {0}', p.unsupported.join(', '))
          : vscode.l10n.t('not found'),
    ok: p.status === 'absent' ? undefined : p.status === 'atb',
    tooltip: [p.atbOps.join(', '), ...p.unsupported].filter(Boolean).join('\n\n'),
  }));
  const targets = s.targets.map((t) => ({
    label: t.label,
    description: t.status === 'supported' ? vscode.l10n.t('generator: supported') : t.status === 'refused' ? vscode.l10n.t('generator: refused') : vscode.l10n.t('generator: unknown'),
    ok: t.status === 'unknown' ? undefined : t.status === 'supported',
    tooltip: t.reasons.join('\n\n'),
  }));
  return [...parts, ...targets];
}

function summaryItem(s: ReadinessData): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Migration readiness'), vscode.TreeItemCollapsibleState.Expanded);
  item.id = 'summary';
  item.description = countsText(s.counts);
  item.iconPath = new vscode.ThemeIcon('checklist');
  item.contextValue = 'summary';
  item.tooltip = new vscode.MarkdownString([countsText(s.counts), ...s.lines].map(escape).join('\n\n'));
  return item;
}

function summaryRowItem(row: SummaryRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
  item.id = `summary:${row.label}`;
  item.description = row.description;
  item.iconPath = row.ok === undefined ? new vscode.ThemeIcon('circle-outline') : row.ok ? themeIcon('native') : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.contextValue = 'summary.row';
  if (row.tooltip) item.tooltip = row.tooltip;
  return item;
}

function nodeItem(node: ModuleNodeData, hasChildren: boolean): vscode.TreeItem {
  const label = node.repeat && node.repeat > 1 ? `${node.name} ×${node.repeat}` : node.name;
  const collapse = !hasChildren
    ? vscode.TreeItemCollapsibleState.None
    : node.kind === 'model' || node.counts.unsupported > 0
      ? vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(label, collapse);
  item.id = `${node.uri ?? ''}#${node.kind}:${node.name}:${node.range?.start.line ?? ''}`;
  item.description = countsText(node.counts);
  item.contextValue = `module.${node.kind}`;
  const worst: Verdict = node.counts.unsupported > 0 ? 'unsupported' : 'native';
  item.iconPath = node.counts.unsupported > 0 ? themeIcon(worst) : new vscode.ThemeIcon(node.kind === 'layers' ? 'layers' : 'symbol-class');
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${escape(node.name)}**${node.className ? ` — \`${node.className}\`` : ''}\n\n`);
  if (node.repeat) tooltip.appendMarkdown(vscode.l10n.t('Repeated {0} times', node.repeat) + '\n\n');
  tooltip.appendMarkdown(countsText(node.counts));
  item.tooltip = tooltip;
  if (node.uri && node.range) item.command = reveal(node.uri, node.range);
  return item;
}

function useItem(use: OperatorUseData): vscode.TreeItem {
  const item = new vscode.TreeItem(use.name, vscode.TreeItemCollapsibleState.None);
  item.id = `${use.uri}#use:${use.id}`;
  item.description = use.atbOp ? `${verdictLabel(use.verdict)} → ${use.atbOp}` : verdictLabel(use.verdict);
  item.iconPath = themeIcon(use.verdict);
  item.contextValue = `operator.${use.verdict}`;
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${escape(use.name)}** — ${verdictLabel(use.verdict)}\n\n`);
  if (use.atbOp) tooltip.appendMarkdown(`${vscode.l10n.t('ATB operation')}: \`${use.atbOp}\`\n\n`);
  tooltip.appendMarkdown(escape(use.reason));
  if (use.href) tooltip.appendMarkdown(`\n\n[${vscode.l10n.t('Catalogue entry')}](${use.href})`);
  item.tooltip = tooltip;
  item.command = reveal(use.uri, use.range);
  return item;
}

function themeIcon(v: Verdict): vscode.ThemeIcon {
  return new vscode.ThemeIcon(ICONS[v].id, new vscode.ThemeColor(ICONS[v].color));
}

function reveal(uri: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Command {
  const selection = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
  return { command: 'vscode.open', title: vscode.l10n.t('Reveal in Editor'), arguments: [vscode.Uri.parse(uri), { selection, preserveFocus: false }] };
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}

/** Plain data for the integration tests (`atb-migrate.operators.itemsForTest`). */
export interface PlainItem {
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  iconColor?: string;
  contextValue?: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { command: string; uri?: string; line?: number };
  children: PlainItem[];
}

export function plainItems(provider: OperatorTreeProvider, element?: OperatorItem, depth = 0): PlainItem[] {
  return provider.getChildren(element).map((child) => {
    const item = provider.getTreeItem(child);
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
    const args = item.command?.arguments as [vscode.Uri, { selection: vscode.Range }] | undefined;
    return {
      label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      description: typeof item.description === 'string' ? item.description : undefined,
      tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip,
      icon: icon?.id,
      iconColor: icon?.color?.id,
      contextValue: item.contextValue,
      collapsible: item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded ? 'expanded' : item.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed ? 'collapsed' : 'none',
      command: item.command ? { command: item.command.command, uri: args?.[0]?.toString(), line: args?.[1]?.selection.start.line } : undefined,
      children: depth < 8 ? plainItems(provider, child, depth + 1) : [],
    };
  });
}
