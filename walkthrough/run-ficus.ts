/**
 * Runs a `ficus` command as a person would, in a child process on the project's Node, showing
 * its output indented under the command line; or quietly, to read its `--json`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stackConfigFile } from '../lib/config/index.ts';
import { loadStackConfig, REPO_ROOT } from '../stack/stack-config.ts';

export type FicusRun = { code: number; stdout: string };

export function runFicus(
  args: string[],
  options: { quiet?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<FicusRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=TimeoutNegativeWarning',
        path.join(REPO_ROOT, 'bin', 'ficus.js'),
        ...args,
      ],
      {
        // the walkthrough runs on the embedded stack: its commands read the stack's configuration
        env: {
          ...process.env,
          FICUS_CONFIG: stackConfigFile(loadStackConfig().home),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    const show = (chunk: Buffer) => {
      if (options.quiet) return;
      const text = chunk.toString().replace(/\n$/, '');
      process.stdout.write(
        text
          .split('\n')
          .map((line) => `    │ ${line}`)
          .join('\n') + '\n',
      );
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      show(chunk);
    });
    child.stderr.on('data', show);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}
