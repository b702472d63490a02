import { createInsertFirst, isUniqueViolation } from './insert-first.ts';

test('inserts go plain until a conflict, then as upserts for the given number of batches', () => {
  const policy = createInsertFirst(3);
  expect(policy.tryInserts('public.orders')).toBe(true);
  expect(policy.tryInserts('public.orders')).toBe(true);
  policy.conflicted('public.orders');
  expect([1, 2, 3].map(() => policy.tryInserts('public.orders'))).toEqual([false, false, false]);
  expect(policy.tryInserts('public.orders')).toBe(true);
});

test('a conflict in one table leaves the others plain', () => {
  const policy = createInsertFirst(2);
  policy.conflicted('public.orders');
  expect(policy.tryInserts('public.products')).toBe(true);
  expect(policy.tryInserts('public.orders')).toBe(false);
});

test('a second conflict starts the count again', () => {
  const policy = createInsertFirst(2);
  policy.conflicted('public.orders');
  expect(policy.tryInserts('public.orders')).toBe(false);
  policy.conflicted('public.orders');
  expect([1, 2].map(() => policy.tryInserts('public.orders'))).toEqual([false, false]);
  expect(policy.tryInserts('public.orders')).toBe(true);
});

test('only unique_violation counts as a conflict', () => {
  expect(isUniqueViolation({ code: '23505' })).toBe(true);
  expect(isUniqueViolation({ code: '23503' })).toBe(false);
  expect(isUniqueViolation(new Error('x'))).toBe(false);
  expect(isUniqueViolation(undefined)).toBe(false);
});
