/**
 * A few rows of shop data, put into a legacy DB the way the monolith keeps them (explicit ids and
 * timestamps, so two databases can hold the very same logical data), with the legacy id
 * sequences moved past them so that rows created by the apps get the same next id on both sides.
 */
import type { Knex } from 'knex';
import { alignIdSequences } from '../../rollout/id-sequences.ts';

const at = (minute: number) => new Date(Date.UTC(2025, 4, 1, 8, minute, 0, 123 + minute));

export const FIXTURE = {
  customers: [
    {
      id: 1,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: null,
      address: '1 Analytical Way',
      created_at: at(0),
      updated_at: at(1),
    },
    {
      id: 2,
      name: 'Grace Hopper',
      email: 'grace@example.com',
      phone: '+1 555 0100',
      address: null,
      created_at: at(2),
      updated_at: at(2),
    },
  ],
  products: [
    {
      id: 1,
      sku: 'LAMP-1',
      name: 'Desk Lamp',
      description: 'warm light',
      price: '49.99',
      active: true,
      created_at: at(3),
      updated_at: at(4),
    },
    {
      id: 2,
      sku: 'BULB-2',
      name: 'Bulb',
      description: null,
      price: '0.10',
      active: true,
      created_at: at(5),
      updated_at: at(5),
    },
    {
      id: 3,
      sku: 'OLD-3',
      name: 'Old Shade',
      description: 'discontinued',
      price: '12.50',
      active: false,
      created_at: at(6),
      updated_at: at(7),
    },
    {
      id: 4,
      sku: 'CABLE-4',
      name: 'Cable',
      description: null,
      price: '1234567.89',
      active: true,
      created_at: at(8),
      updated_at: at(8),
    },
  ],
  inventory: [
    { product_id: 1, quantity: 10, reserved: 2, updated_at: at(9) },
    { product_id: 2, quantity: 100, reserved: 0, updated_at: at(9) },
    { product_id: 3, quantity: 0, reserved: 0, updated_at: at(9) },
    { product_id: 4, quantity: 3, reserved: 0, updated_at: at(9) },
  ],
  orders: [
    {
      id: 1,
      customer_id: 1,
      status: 'placed',
      payment_status: 'pending',
      total: '100.18',
      created_at: at(10),
      updated_at: at(11),
    },
  ],
  order_items: [
    { id: 1, order_id: 1, product_id: 1, quantity: 2, unit_price: '49.99' },
    { id: 2, order_id: 1, product_id: 2, quantity: 2, unit_price: '0.10' },
  ],
  payments: [
    {
      id: 1,
      order_id: 1,
      amount: '100.18',
      method: 'card',
      status: 'pending',
      reference: null,
      created_at: at(10),
      updated_at: at(10),
    },
  ],
};

const TABLES = ['customers', 'products', 'inventory', 'orders', 'order_items', 'payments'] as const;

export async function seedLegacy(db: Knex): Promise<void> {
  for (const table of TABLES) await db(table).insert(FIXTURE[table]);
  await alignIdSequences(
    db,
    TABLES.map((table) => ({ schema: 'public', table })),
  );
}

/**
 * Rows at the edge of what the legacy columns hold, for the property tests: the dearest price
 * numeric(12,2) allows (two of it overflow an order's total), and a stock level just below the
 * largest integer (one more delivery overflows `inventory.quantity`).
 */
export const EXTREMES = {
  dearProductId: 5,
  fullStockProductId: 6,
  fullStock: 2 ** 31 - 10,
};

export async function seedExtremes(db: Knex): Promise<void> {
  await db('products').insert([
    {
      id: EXTREMES.dearProductId,
      sku: 'DEAR-5',
      name: 'Dearest',
      description: null,
      price: '9999999999.99',
      active: true,
    },
    {
      id: EXTREMES.fullStockProductId,
      sku: 'FULL-6',
      name: 'Plenty',
      description: null,
      price: '1.00',
      active: true,
    },
  ]);
  await db('inventory').insert([
    { product_id: EXTREMES.dearProductId, quantity: 1000, reserved: 0 },
    { product_id: EXTREMES.fullStockProductId, quantity: EXTREMES.fullStock, reserved: 0 },
  ]);
  await alignIdSequences(db, [{ schema: 'public', table: 'products' }]);
}
