import { createWriteHolds } from './write-hold.ts';

test('writes under way are counted per service until each is done, once', () => {
  const holds = createWriteHolds();
  const first = holds.begin('catalog');
  const second = holds.begin('catalog');
  holds.begin('orders');
  expect(holds.inFlight('catalog')).toBe(2);
  first();
  first(); // finish and close both fire: counted once
  expect(holds.inFlight('catalog')).toBe(1);
  second();
  expect(holds.inFlight('catalog')).toBe(0);
  expect(holds.inFlight('orders')).toBe(1);
});

test('a held write is admitted on release and refused past its bound', async () => {
  const holds = createWriteHolds();
  holds.hold('catalog', 50);
  const refused = await holds.admit('catalog');
  expect(refused.admitted).toBe(false);
  holds.hold('catalog', 5_000);
  const waiting = holds.admit('catalog');
  holds.release('catalog');
  expect((await waiting).admitted).toBe(true);
});

test("a fleet hold's id is kept while held and remembered once released", () => {
  const holds = createWriteHolds();
  holds.hold('catalog', 5_000, 60_000, 'h1');
  expect(holds.heldId('catalog')).toBe('h1');
  holds.release('catalog');
  expect(holds.heldId('catalog')).toBeUndefined();
  expect(holds.released().has('h1')).toBe(true);
  // released by id before this proxy took it (a renewal read the record just before its removal)
  holds.release('orders', 'h2');
  expect(holds.released().has('h2')).toBe(true);
});

test('the same hold again renews it: its writes stay held; one that is over is not taken again', async () => {
  let clock = 0;
  const holds = createWriteHolds(() => clock);
  holds.hold('catalog', 5_000, 60_000, 'h1');
  const waiting = holds.admit('catalog');
  clock = 50_000;
  expect(holds.hold('catalog', 5_000, 60_000, 'h1').expiresAt).toBe(110_000);
  expect(holds.isHeld('catalog')).toBe(true);
  holds.release('catalog', 'h1');
  expect((await waiting).admitted).toBe(true);
  expect(() => holds.hold('catalog', 5_000, 60_000, 'h1')).toThrow(/is over on this proxy/);
  expect(holds.isHeld('catalog')).toBe(false);
});
