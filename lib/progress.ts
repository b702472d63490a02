/**
 * Progress for long operations, for a person: one line per step on stderr, with elapsed time.
 * Quiet when `--json` output is being produced on stdout (stdout stays machine-readable).
 */
export type Progress = {
  step(message: string): void;
  done(message: string): void;
  fail(message: string): void;
};

export function createProgress(
  options: { quiet?: boolean; out?: NodeJS.WritableStream } = {},
): Progress {
  const out = options.out ?? process.stderr;
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  const write = (mark: string, message: string) => {
    if (!options.quiet) out.write(`${stamp()}  ${mark} ${message}\n`);
  };
  return {
    step: (m) => write('…', m),
    done: (m) => write('✓', m),
    fail: (m) => write('✗', m),
  };
}
