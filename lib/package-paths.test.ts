import fs from 'node:fs';
import path from 'node:path';
import {
  CODE_ROOT,
  PACKAGE_ROOT,
  RUNS_COMPILED,
  modulePath,
  packagePath,
  sourceFileName,
} from './package-paths.ts';

// The compiled shape (dist/ in an installed package) is covered by cli/installed-package.e2e.test.ts.
describe('package paths in the source checkout', () => {
  test('modules and shipped files are found side by side at the checkout root', () => {
    expect(RUNS_COMPILED).toBe(false);
    expect(CODE_ROOT).toBe(PACKAGE_ROOT);
    expect(fs.existsSync(path.join(PACKAGE_ROOT, 'package.json'))).toBe(true);
    expect(fs.existsSync(modulePath('proxy/main.ts'))).toBe(true);
    expect(fs.existsSync(modulePath('migrations/kit'))).toBe(true);
    expect(fs.existsSync(packagePath('bin/ficus.js'))).toBe(true);
  });

  test('file names are kept as they are outside compiled code', () => {
    expect(sourceFileName(modulePath('migrations/kit/0101_proxy_comparisons.ts'))).toBe(
      '0101_proxy_comparisons.ts',
    );
    expect(sourceFileName('/elsewhere/migrations/0001_users.js')).toBe('0001_users.js');
  });
});
