import {
  PRICE_CENTS_COLUMN_MAX,
  readCatalogProductChanges,
  readNewCatalogProduct,
} from './product-input.ts';

describe('catalog product input', () => {
  it('maps name to title and price to integer cents', () => {
    expect(readNewCatalogProduct({ sku: 'A-1', name: ' Lamp ', price: 12.5 })).toEqual({
      sku: 'A-1',
      title: 'Lamp',
      description: null,
      priceCents: 1250,
      active: true,
    });
  });

  it('converts prices whose float form is inexact without drift', () => {
    expect(readNewCatalogProduct({ sku: 'A-1', name: 'x', price: 19.99 }).priceCents).toBe(1999);
    expect(readNewCatalogProduct({ sku: 'A-1', name: 'x', price: 1.005 - 0.005 }).priceCents).toBe(
      100,
    );
  });

  it('refuses what the monolith refuses, naming the field', () => {
    const attempt = (body: unknown) => {
      try {
        readNewCatalogProduct(body);
      } catch (error) {
        return (error as { toJSON(): unknown }).toJSON();
      }
      return undefined;
    };
    expect(attempt({ sku: 'A-1', name: 'x', price: 1.234 })).toEqual({
      error: 'validation_failed',
      message: 'price: must have at most two decimals',
      details: { field: 'price' },
    });
    expect(attempt({ sku: 'A 1', name: 'x', price: 1 })).toMatchObject({
      details: { field: 'sku' },
    });
    expect(attempt({ sku: 'A-1', price: 1 })).toMatchObject({ message: 'name: is required' });
    expect(attempt({ sku: 'A-1', name: 'x', price: 1, colour: 'red' })).toMatchObject({
      details: { field: 'colour' },
    });
    expect(attempt([])).toMatchObject({ details: { field: 'body' } });
  });

  it('reads a patch with only the given fields, converted', () => {
    expect(readCatalogProductChanges({ name: 'New', price: 3 })).toEqual({
      title: 'New',
      priceCents: 300,
    });
    expect(readCatalogProductChanges({ description: null })).toEqual({ description: null });
    expect(() => readCatalogProductChanges({})).toThrow('body: must hold at least one of');
  });
});

describe('catalog product input against its columns', () => {
  const field = (body: unknown) => {
    try {
      readNewCatalogProduct(body);
    } catch (error) {
      return (error as { details?: unknown; message: string }).message;
    }
    return undefined;
  };

  it('keeps every price the monolith keeps, and refuses past numeric(12,2) (issue 15: 30,000,000 was a 500)', () => {
    expect(PRICE_CENTS_COLUMN_MAX).toBeGreaterThan(999_999_999_999);
    expect(readNewCatalogProduct({ sku: 'A-1', name: 'x', price: 30_000_000 }).priceCents).toBe(
      3_000_000_000,
    );
    expect(
      readNewCatalogProduct({ sku: 'A-1', name: 'x', price: 9_999_999_999.99 }).priceCents,
    ).toBe(999_999_999_999);
    expect(field({ sku: 'A-1', name: 'x', price: 10_000_000_000 })).toMatch(
      /^price: must be at most 9999999999\.99/,
    );
  });

  it('refuses NUL in any string field', () => {
    expect(field({ sku: 'A-1', name: 'Lamp\u0000', price: 1 })).toBe(
      'name: must not contain NUL (U+0000)',
    );
    expect(field({ sku: 'A-1', name: 'x', description: '\u0000', price: 1 })).toMatch(
      /^description: /,
    );
  });
});
