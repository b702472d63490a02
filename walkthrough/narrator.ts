/**
 * How the walkthrough talks to a person: numbered steps with why they matter, the commands it
 * runs (as a person would type them), and checks, each one held or not. The walkthrough exits 0
 * only if every check held.
 */
export type Check = { step: string; name: string; ok: boolean; detail: string };

export type Narrator = {
  step(title: string, why: string): Promise<void>;
  say(text: string): void;
  command(args: string[]): void;
  check(name: string, ok: boolean, detail?: string): boolean;
  checks(): Check[];
};

const wrap = (text: string, width = 92, indent = '  ') =>
  text
    .split(/\s+/)
    .reduce<string[]>((lines, word) => {
      const last = lines[lines.length - 1];
      if (last !== undefined && (last + ' ' + word).length <= width)
        lines[lines.length - 1] = last + ' ' + word;
      else lines.push(word);
      return lines;
    }, [])
    .map((line) => indent + line)
    .join('\n');

export function createNarrator(
  options: { out?: NodeJS.WritableStream; pause?: () => Promise<void> } = {},
): Narrator {
  const out = options.out ?? process.stdout;
  const started = Date.now();
  const all: Check[] = [];
  let current = '';
  let number = 0;
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  return {
    async step(title, why) {
      if (number > 0 && options.pause) await options.pause();
      number += 1;
      current = `${number}. ${title}`;
      out.write(
        `\n━━ Step ${current} ${'━'.repeat(Math.max(3, 80 - current.length))} ${elapsed()}\n${wrap(why)}\n\n`,
      );
    },
    say: (text) => out.write(`${wrap(text)}\n`),
    command: (args) => out.write(`  $ ficus ${args.join(' ')}\n`),
    check(name, ok, detail = '') {
      all.push({ step: current, name, ok, detail });
      out.write(`  ${ok ? '✓' : '✗'} check: ${name}${detail ? ` — ${detail}` : ''}\n`);
      return ok;
    },
    checks: () => all,
  };
}
