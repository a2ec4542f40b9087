/** Operator-support analysis: public API (see docs/operator-support.md). */
export type { OpUse, ModuleNode, AnalysisResult, FolderAnalysis, ModelFacts, Verdict } from './types';
export { analyzeTree, analyzeSource, looksLikeModelCode, configValue, countUses, MAX_SOURCE_CHARS, type AnalyzeOptions } from './analyze';
export { analyzeModelFolder, analyzeConfig, parseConfigJson, modelFacts } from './folder';
export { toMsitJson, toOperatorsCsv, toReports, msitTree, summarize, type AnalysisSummary } from './report';
export { clearAnalysisCache } from './cache';
export { readiness, summarizeReadiness, partOf, partsOf, targetsFor, DECODER_PARTS, type ReadinessSummary, type PartReadiness, type TargetReadiness, type DecoderPart } from './readiness';
export { readinessLines, readinessJson } from './readinessText';
