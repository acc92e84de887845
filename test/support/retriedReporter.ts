/**
 * Prints, at the end of a run, what each test that passed on its retry threw the first time: the
 * default reporter says only that it was retried, and the first failure is what tells why.
 */
import type { Reporter, TestCase } from 'vitest/node';

/** Lines of each error kept: the message and the frames nearest the failure. */
const STACK_LINES = 15;
/** Frames of the test runner itself: the same in every error. */
const RUNNER_FRAME = /node_modules[\\/](@vitest|vitest)[\\/]/;

export default class RetriedReporter implements Reporter {
  #retried: string[] = [];

  /** Keeps the first attempt's errors of a test that passed after failing. */
  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    if (result.state !== 'passed' || !test.diagnostic()?.flaky || !result.errors?.length) return;
    const errors = result.errors.map((e) =>
      (e.stack ?? e.message ?? String(e))
        .split('\n')
        .filter((line) => !RUNNER_FRAME.test(line))
        .slice(0, STACK_LINES)
        .join('\n'),
    );
    this.#retried.push(`${test.module.moduleId} > ${test.fullName}\n${errors.join('\n')}`);
  }

  /** Prints them after the summary's inputs are in, one block a test. */
  onTestRunEnd(): void {
    if (this.#retried.length === 0) return;
    process.stdout.write(`\nPassed on a retry; the first attempt threw:\n\n${this.#retried.join('\n\n')}\n`);
  }
}
