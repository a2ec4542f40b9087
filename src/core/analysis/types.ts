/** Data shapes of the operator-support analysis (see docs/operator-support.md). */
import type { DiagnosticData, Range } from '../common';
import type { Message } from '../i18n';
import type { Verdict } from '../catalog';

export type { Verdict };

/** One use of a torch / transformers construct in the model source, with its ATB verdict. */
export interface OpUse {
  /** Stable within one analysis: `<path>:<line>:<character>-<endLine>:<endCharacter>:<name>`. */
  id: string;
  /** What was matched: `Linear`, `torch.matmul`, `Tensor.view`, `+`, `apply_rotary_pos_emb`, ... */
  name: string;
  kind: 'module' | 'function' | 'method' | 'operator' | 'idiom';
  verdict: Verdict;
  atbOp?: string;
  /** The catalogue entry that decided the verdict (absent for uncatalogued torch calls). */
  catalogId?: string;
  reason: Message;
  range: Range;
  /** `Class.method` or the module-level function the use is in. */
  owner: string;
  /** Source file, when the analysis spans several files (folder analysis). */
  path?: string;
  /** Argument texts, for msit-style `input_node` / `input_param`. */
  args?: { positional: string[]; keywords: Record<string, string> };
}

export interface ModuleNode {
  /** Attribute name (`q_proj`), or the class name for the root. */
  name: string;
  className?: string;
  kind: 'model' | 'module' | 'layers' | 'op';
  /** For `layers`: how many times the block repeats (num_hidden_layers, num_local_experts), when known. */
  repeat?: number;
  children: ModuleNode[];
  /** Uses of this node itself: the module declaration for an op, the forward's operations for a module. */
  uses: OpUse[];
  range?: Range;
  counts: Record<Verdict, number>;
}

export interface AnalysisResult {
  path: string;
  /** False for Python files without nn.Module / PreTrainedModel classes (nothing else is reported). */
  isModelCode: boolean;
  /** Top-level model classes (not used as submodules of another class), best candidate first. */
  modelClasses: string[];
  root: ModuleNode | undefined;
  /** Every use once, in source order. */
  uses: OpUse[];
  diagnostics: DiagnosticData[];
  notes: Message[];
}

/** What config.json says about a model (all optional: configs vary by family). */
export interface ModelFacts {
  architecture?: string;
  modelType?: string;
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  headDim?: number;
  attention?: 'MHA' | 'GQA' | 'MQA' | 'MLA';
  intermediateSize?: number;
  vocabSize?: number;
  activation?: string;
  norm?: 'RMSNorm' | 'LayerNorm';
  positionEmbedding?: 'rope' | 'alibi' | 'learned';
  ropeScaling?: string;
  ropeTheta?: number;
  slidingWindow?: number;
  moe?: { experts: number; topK?: number; sharedExperts?: number };
  tieWordEmbeddings?: boolean;
  quantization?: string;
  torchDtype?: string;
  /** Number of tensors listed in the weights index, when there is one. */
  weightTensors?: number;
}

export interface FolderAnalysis {
  dir: string;
  /** The model's main class (from config `architectures`, or the source). */
  modelClass: string;
  config?: Record<string, unknown>;
  facts: ModelFacts;
  /** One result per modeling_*.py analysed. */
  sources: AnalysisResult[];
  /** The result reports are made of: the source analysis of the model class, or the config-only one. */
  result: AnalysisResult;
  /** True when no modeling source was available and the result comes from config.json alone. */
  configOnly: boolean;
  /** Problems with the folder's files (broken config.json, unreadable source); never thrown. */
  problems: DiagnosticData[];
  notes: Message[];
}
