import { toProductJson } from '../products/product-json.ts';
import { createPriceDefect } from './price-defect.ts';

const product = {
  id: 1,
  sku: 'S',
  title: 'T',
  description: null,
  priceCents: 1999,
  active: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

describe('price defect', () => {
  it('is off by default and then presents the right price', () => {
    const defect = createPriceDefect();
    expect(defect.isEnabled()).toBe(false);
    expect(defect.wrap(toProductJson)(product).price).toBe(19.99);
  });

  it('adds exactly one cent while enabled, and stops when disabled', () => {
    const defect = createPriceDefect({ enabled: true });
    const present = defect.wrap(toProductJson);
    expect(present(product).price).toBe(20);
    expect(present({ ...product, priceCents: 10 }).price).toBe(0.11);
    defect.setEnabled(false);
    expect(present(product).price).toBe(19.99);
  });
});
