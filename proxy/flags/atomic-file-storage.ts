/**
 * Where unleash-client keeps the last flag state it saw, so that a proxy restarted while Unleash
 * is unreachable starts from it. Written to a temporary file and renamed into place: a crash
 * mid-write leaves the previous state, never half a file. The temporary file is unique per write:
 * proxies sharing a directory and app name (several in one process, as a test's fleet or a bench
 * runs them) once took each other's file from under the rename, and the flag refresh that wrote
 * the backup failed with ENOENT.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export type StorageProvider<T> = {
  set(key: string, data: T): Promise<void>;
  get(key: string): Promise<T | undefined>;
};

export function atomicFileStorage<T>(dir: string): StorageProvider<T> {
  const file = (key: string) =>
    path.join(dir, `unleash-backup-${key.replace(/[^\w.-]/g, '_')}.json`);
  return {
    async set(key, data) {
      await fs.mkdir(dir, { recursive: true });
      const target = file(key);
      const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(data));
      await fs.rename(temporary, target);
    },
    async get(key) {
      try {
        return JSON.parse(await fs.readFile(file(key), 'utf8')) as T;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
