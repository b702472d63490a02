import { createDeadlineSweep } from './deadline-sweep.ts';

describe('deadline sweep', () => {
  it('ends the waits past their deadline, once each, and leaves the others', () => {
    const clock = { now: 0 };
    const sweep = createDeadlineSweep(1000, () => clock.now);
    const ended: string[] = [];
    sweep.add(100, () => ended.push('a'));
    sweep.add(300, () => ended.push('b'));
    clock.now = 150;
    sweep.sweep();
    expect(ended).toEqual(['a']);
    expect(sweep.pending()).toBe(1);
    clock.now = 1000;
    sweep.sweep();
    sweep.sweep();
    expect(ended).toEqual(['a', 'b']);
    expect(sweep.pending()).toBe(0);
  });

  it('never ends a wait that was cancelled', () => {
    const clock = { now: 0 };
    const sweep = createDeadlineSweep(1000, () => clock.now);
    const ended: string[] = [];
    const cancel = sweep.add(100, () => ended.push('a'));
    cancel();
    clock.now = 500;
    sweep.sweep();
    expect(ended).toEqual([]);
    expect(sweep.pending()).toBe(0);
  });

  it('ends a wait on its own interval, without being asked', async () => {
    const sweep = createDeadlineSweep(5);
    const ended = await new Promise<string>((resolve) => sweep.add(1, () => resolve('ended')));
    expect(ended).toBe('ended');
    expect(sweep.pending()).toBe(0);
  });
});
