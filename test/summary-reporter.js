/**
 * Prints one plain closing line after Jest's own summary: "jest: N passed, N failed, N skipped". A suite that fails
 * to run at all (an import error: its tests are never counted) counts as one failure, so the line never reads
 * "0 failed" on a red run.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`,
    );
  }
}
