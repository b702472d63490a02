import { Worker } from 'node:worker_threads';
import { cpuSince, sampleCpu } from './proc-cpu.ts';

/**
 * Spins until this thread has used `ms` of CPU, whatever the wall time on a busy machine; its
 * text also runs in a worker thread.
 */
function spin(ms: number): void {
  const used = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  const until = used() + ms;
  while (used() < until);
}
const SPIN = spin.toString();

describe('CPU read from /proc', () => {
  it('charges a busy main thread to `main`, a busy worker thread to `mirror`, both to `whole`', async () => {
    const before = sampleCpu(process.pid);
    spin(120);
    const worker = new Worker(`(${SPIN})(120)`, { eval: true });
    await new Promise((resolve) => worker.once('exit', resolve));
    const spent = cpuSince(before, sampleCpu(process.pid));
    expect(spent.main).toBeGreaterThanOrEqual(80);
    // the worker has ended: its time is in the process's own count, no longer in a thread's
    expect(spent.whole).toBeGreaterThanOrEqual(spent.main + 80);
  });

  it('counts a running worker thread as `mirror`', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       (${SPIN})(150);
       parentPort.postMessage('spun'); setTimeout(() => {}, 5000);`,
      { eval: true },
    );
    const before = sampleCpu(process.pid);
    await new Promise((resolve) => worker.once('message', resolve));
    const spent = cpuSince(before, sampleCpu(process.pid));
    await worker.terminate();
    expect(spent.mirror).toBeGreaterThanOrEqual(80);
  });

  it('reads nothing of a process that is not there', () => {
    expect(sampleCpu(2 ** 22 + 1)).toEqual({ main: 0, mirror: 0, other: 0, whole: 0 });
  });
});
