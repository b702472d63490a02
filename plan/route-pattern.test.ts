import { ambiguityKey, compareSpecificity } from './route-pattern.ts';

describe('route patterns', () => {
  it('orders literal segments before parameters, left to right', () => {
    const sorted = [
      '/api/:kind/:ref',
      '/api/orders/:ref',
      '/api/:kind/recent',
      '/api/orders/recent',
    ];
    expect(sorted.sort(compareSpecificity)).toEqual([
      '/api/orders/recent',
      '/api/orders/:ref',
      '/api/:kind/recent',
      '/api/:kind/:ref',
    ]);
    expect(compareSpecificity('/api/orders/:ref', '/api/orders/:id/')).toBe(0);
  });
  it('keys ambiguous patterns alike: parameter names, a trailing slash and (by default) case aside', () => {
    expect(ambiguityKey('/api/Orders/:ref/')).toBe(ambiguityKey('/api/orders/:id'));
    expect(ambiguityKey('/api/Orders/:ref', { caseSensitive: true })).not.toBe(
      ambiguityKey('/api/orders/:id', { caseSensitive: true }),
    );
    expect(ambiguityKey('/api/orders/recent')).not.toBe(ambiguityKey('/api/orders/:ref'));
  });
});
