import type { Catalog } from '../catalog';
import { clearClassCache } from './pyindex';
import { clearScanCache } from './scan';

/**
 * Forgets what re-analysis reuses: per-class __init__ walks (keyed by class text) and per-function
 * scans (keyed by function text). Benchmarks use it to measure a from-scratch analysis.
 */
export function clearAnalysisCache(catalog: Catalog): void {
  clearScanCache(catalog);
  clearClassCache();
}
