import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { atomicFileStorage } from './atomic-file-storage.ts';

// Several proxies of one process (a test's fleet, a bench) or of one host may share a backup
// directory and app name: their writes must not take each other's temporary file.
test('concurrent writes of one key all succeed and leave one whole state', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ficus-flags-'));
  try {
    const storages = [atomicFileStorage(dir), atomicFileStorage(dir), atomicFileStorage(dir)];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => storages[i % 3].set('ficus-proxy', { write: i })),
    );
    const { write } = (await storages[0].get('ficus-proxy')) as { write: number };
    expect(write).toBeGreaterThanOrEqual(0);
    expect(write).toBeLessThan(30);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
