/** What the in-host suite writes to $ATB_TEST_RESULTS, so runners can count without parsing logs. */
export interface SuiteResults {
  passes: number;
  failures: number;
  pending: number;
  vscodeVersion: string;
  tests: { fullTitle: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }[];
}
