'use strict';
const { writeSync } = require('node:fs');

/**
 * Jest reporter that ends the run with one plain line, `tests: N passed, N failed, N skipped`,
 * written at process exit so it follows jest's own summary block.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `\ntests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(2, line));
  }
}
module.exports = SummaryReporter;
