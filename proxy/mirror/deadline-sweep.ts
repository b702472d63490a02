/**
 * Deadlines for many waits checked by one timer, instead of a timer of each wait's own: the guard
 * of a mirrored read (a client that goes away mid-answer must not keep its mirror slot) was a
 * setTimeout and a clearTimeout on the event loop serving clients for every read, though it
 * almost never fires and need not fire on time. Here a wait costs a set entry; one interval, that
 * runs only while waits are pending and never keeps the process alive, ends those past their
 * deadline, up to `everyMs` late.
 */
export type DeadlineSweep = ReturnType<typeof createDeadlineSweep>;

type Wait = { deadline: number; expire(): void };

export function createDeadlineSweep(everyMs: number, now: () => number = () => performance.now()) {
  const waits = new Set<Wait>();
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => {
    const at = now();
    for (const wait of waits)
      if (wait.deadline <= at) {
        waits.delete(wait);
        wait.expire();
      }
    if (!waits.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    /** `expire` is called once `afterMs` have passed, unless the returned cancel came first */
    add(afterMs: number, expire: () => void): () => void {
      const wait: Wait = { deadline: now() + afterMs, expire };
      waits.add(wait);
      if (!timer) (timer = setInterval(sweep, everyMs)).unref();
      return () => void waits.delete(wait);
    },
    /** the waits not yet ended or cancelled */
    pending: () => waits.size,
    /** checks the deadlines now (the interval does it every `everyMs`) */
    sweep,
  };
}
