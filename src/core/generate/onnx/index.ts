/**
 * ModelSpec -> `export_onnx.py` + `README.md` for the TPU route (per-block ONNX export, seed 004).
 * Pure and deterministic. Quirks the script cannot export correctly refuse the whole generation
 * with the reason (a wrong export is worse than none); the rest become notes in the README.
 */
import type { GeneratedFile } from '../../common';
import { formatMessage, msg, type Locale, type Message } from '../../i18n';
import type { ModelSpec, Problem } from '../../modelDir';
import { ONNX_CAPABILITIES } from './capabilities';
import { readme } from './readme';
import { exportScript, type ScriptContext } from './script';
import type { ConfigSwitches } from '../../families';
import './messages';

export { ONNX_CAPABILITIES } from './capabilities';

export const ONNX_GENERATOR_VERSION = '0.1.0';
export const DEFAULT_SEQ_LENGTH = 512;
/** TPU-MLIR's LLM flows are built for these lengths; far beyond, block_<i>.onnx gets very large. */
export const MAX_SEQ_LENGTH = 32768;

export interface OnnxOptions {
  /** Folder for export_onnx.py and README.md. */
  outDir: string;
  seqLength?: number;
  /** Where the script writes the .onnx files by default (relative to where it runs). */
  onnxDir?: string;
  /** Language of the README's notes. */
  locale?: Locale;
}

export interface GeneratedOnnxFile extends GeneratedFile {
  name: string;
  description: Message;
}


const joinPath = (dir: string, name: string) => `${dir.replace(/[\\/]+$/, '')}${dir.includes('\\') && !dir.includes('/') ? '\\' : '/'}${name}`;

/** The Python expression of the embedding scale (from the family catalogue), or undefined for none. */
function embedScale(spec: ModelSpec): { expr: string; source: string } | undefined {
  const scale = spec.family.embedScale;
  if (!scale) return undefined;
  if (scale.kind === 'sqrt-hidden') return { expr: 'math.sqrt(HIDDEN_SIZE)', source: 'the model multiplies the embedding by sqrt(hidden_size)' };
  if (scale.kind === 'key' && scale.key) {
    const value = spec.config[scale.key];
    if (typeof value === 'number' && Number.isFinite(value)) return { expr: String(value), source: `config.json: ${scale.key}` };
  }
  return { expr: '', source: scale.kind };
}

export function generateOnnx(spec: ModelSpec, options: OnnxOptions): { files: GeneratedOnnxFile[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const seqLength = options.seqLength ?? DEFAULT_SEQ_LENGTH;
  if (!Number.isInteger(seqLength) || seqLength < 1 || seqLength > MAX_SEQ_LENGTH) {
    return { files: [], problems: [{ severity: 'error', code: 'onnx.bad-seq-length', message: msg('onnx.bad-seq-length', { value: String(seqLength), max: MAX_SEQ_LENGTH }) }] };
  }
  const dims = [spec.numLayers, spec.hiddenSize, spec.numHeads, spec.numKvHeads, spec.headDim];
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
    return { files: [], problems: [{ severity: 'error', code: 'onnx.no-dims', message: msg('onnx.no-dims') }] };
  }
  const modelType = spec.modelType || 'model';
  const quirks = spec.quirks;
  for (const quirk of quirks) {
    const capability = ONNX_CAPABILITIES[quirk.id];
    if (capability === undefined) {
      problems.push({ severity: 'error', code: 'onnx.refused.unknown-quirk', message: msg('onnx.refused.unknown-quirk', { quirk: quirk.id, detail: quirk.detail }) });
    } else if (capability !== 'implemented') {
      problems.push({ severity: 'error', code: capability.refused, message: msg(capability.refused, { detail: quirk.detail, target: 'onnx', quirk: quirk.id }) });
    }
  }
  const scale = embedScale(spec);
  if (scale && !scale.expr) {
    problems.push({ severity: 'error', code: 'onnx.refused.embed-scale-kind', message: msg('onnx.refused.embed-scale-kind', { kind: scale.source }) });
  }
  // Attribute names under the decoder module, from the family's tensor naming (model.layers.N, model.norm).
  const naming = spec.family.naming;
  const layersName = naming.layers || 'layers';
  const normName = (naming.finalNorm || 'norm').split('.').pop()!;
  if (![layersName, normName].every((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) {
    problems.push({ severity: 'error', code: 'onnx.unsafe-name', message: msg('onnx.unsafe-name', { name: `${layersName} / ${normName}` }) });
  }
  if (problems.some((p) => p.severity === 'error')) {
    problems.push({ severity: 'error', code: 'onnx.refused', message: msg('onnx.refused', { modelType }) });
    return { files: [], problems };
  }

  const onnxDir = options.onnxDir ?? 'tmp';
  const locale = options.locale ?? 'en';
  const notes: Message[] = [];
  for (const quirk of quirks) {
    const code = `onnx.note.${quirk.id}`;
    if (formatMessage(msg(code)) !== code) notes.push(msg(code, { detail: quirk.detail }));
  }
  const script = exportScript({
    generatorVersion: ONNX_GENERATOR_VERSION,
    modelType,
    architecture: spec.architecture ?? 'unknown architecture',
    numLayers: spec.numLayers,
    hiddenSize: spec.hiddenSize,
    numHeads: spec.numHeads,
    numKvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    embedScale: scale?.expr ?? 'None',
    embedScaleSource: scale?.source ?? 'no scaling between the table lookup and the first layer',
    seqLength,
    outDir: onnxDir,
    layersName,
    normName,
    trainedLength: trainedLength(spec.family.config),
  });
  const text = readme({
    modelType,
    architecture: spec.architecture ?? 'unknown architecture',
    modelDir: spec.dir,
    numLayers: spec.numLayers,
    numKvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    hiddenSize: spec.hiddenSize,
    seqLength,
    onnxDir,
    notes: notes.map((n) => formatMessage(n, locale)),
  });
  const files: GeneratedOnnxFile[] = [
    { name: 'export_onnx.py', path: joinPath(options.outDir, 'export_onnx.py'), contents: script, description: msg('onnx.file.script', { count: 2 * spec.numLayers + 2 }) },
    { name: 'README.md', path: joinPath(options.outDir, 'README.md'), contents: text, description: msg('onnx.file.readme') },
  ];
  for (const n of notes) problems.push({ severity: 'info', code: n.code, message: n });
  return { files, problems };
}

/** The catalogue's switches that key off a trained length, when the family has that length key. */
function trainedLength(config: ConfigSwitches | undefined): ScriptContext['trainedLength'] {
  const switches = [config?.dynamicNtkKey, config?.lognAttnKey].filter((k): k is string => !!k);
  return config?.trainedLengthKey && switches.length ? { key: config.trainedLengthKey, switches } : undefined;
}
