/**
 * The demo shop's data, generated from a fixed seed: the same rows, ids and timestamps on every
 * run. Scale 1 is 10,000 products (each with stock), 5,000 customers and 50,000 orders of 1–4
 * lines, each with a payment. The data is consistent the way the monolith would have left it:
 * line prices are the product's price, totals add up, and each product's `reserved` stock is
 * exactly what its still-pending orders hold.
 */
import { PAYMENT_METHODS } from '../../shop-shared/orders/order-input.ts';
import { createRandom } from '../../lib/seeded-random.ts';
import * as words from './seed-words.ts';

export const SEED = 20240101;
const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const YEAR = 365 * DAY;

export type Column = {
  name: string;
  type: 'bigint' | 'int' | 'text' | 'numeric' | 'boolean' | 'timestamptz';
};
export type TableRows = { table: string; columns: Column[]; rows: unknown[][] };

export type SeedCounts = { products: number; customers: number; orders: number };

export function seedCounts(scale: number): SeedCounts {
  const at = (n: number) => Math.max(1, Math.round(n * scale));
  return { products: at(10_000), customers: at(5_000), orders: at(50_000) };
}

const cols = (spec: string): Column[] =>
  spec.split(',').map((pair) => {
    const [name, type] = pair.trim().split(' ');
    return { name, type: type as Column['type'] };
  });

const iso = (ms: number) => new Date(ms).toISOString();
const money = (cents: number) => (cents / 100).toFixed(2);

function customers(count: number): TableRows {
  const random = createRandom(SEED, 'customers');
  const rows: unknown[][] = [];
  for (let id = 1; id <= count; id++) {
    const first = random.pick(words.FIRST_NAMES);
    const last = random.pick(words.LAST_NAMES);
    const created = START - YEAR + Math.floor((id / count) * YEAR) + random.int(0, DAY - 1);
    const updated = random.chance(0.2) ? created + random.int(1, 90) * DAY : created;
    rows.push([
      id,
      `${first} ${last}`,
      `${first}.${last}.${id}@example.com`.toLowerCase(),
      random.chance(0.9) ? `+1 555 ${String(random.int(0, 9999)).padStart(4, '0')}` : null,
      `${random.int(1, 999)} ${random.pick(words.STREETS)} ${random.pick(words.STREET_KINDS)}, ${random.pick(words.CITIES)}`,
      iso(created),
      iso(updated),
    ]);
  }
  return {
    table: 'customers',
    columns: cols(
      'id bigint, name text, email text, phone text, address text, created_at timestamptz, updated_at timestamptz',
    ),
    rows,
  };
}

function products(count: number): { table: TableRows; priceCents: number[] } {
  const random = createRandom(SEED, 'products');
  const rows: unknown[][] = [];
  const priceCents = [0];
  for (let id = 1; id <= count; id++) {
    const name = `${random.pick(words.ADJECTIVES)} ${random.pick(words.MATERIALS)} ${random.pick(words.NOUNS)}`;
    const cents = random.chance(0.7) ? random.int(1, 99) * 100 + 99 : random.int(99, 49_999);
    priceCents.push(cents);
    const created = START - YEAR + Math.floor((id / count) * YEAR);
    rows.push([
      id,
      `SKU-${String(id).padStart(6, '0')}`,
      name,
      random.chance(0.8) ? `A ${random.pick(words.QUALITIES)} ${name.toLowerCase()}.` : null,
      money(cents),
      random.chance(0.95),
      iso(created),
      iso(created + random.int(0, 30) * DAY),
    ]);
  }
  const columns = cols(
    'id bigint, sku text, name text, description text, price numeric, active boolean, created_at timestamptz, updated_at timestamptz',
  );
  return { table: { table: 'products', columns, rows }, priceCents };
}

function orders(counts: SeedCounts, priceCents: number[]) {
  const random = createRandom(SEED, 'orders');
  const orderRows: unknown[][] = [];
  const itemRows: unknown[][] = [];
  const paymentRows: unknown[][] = [];
  const reserved = new Array<number>(counts.products + 1).fill(0);
  let itemId = 0;
  for (let id = 1; id <= counts.orders; id++) {
    const created = START + Math.floor((id / counts.orders) * YEAR) + random.int(0, 3_600_000);
    const roll = random.next();
    const paymentStatus = roll < 0.8 ? 'paid' : roll < 0.85 ? 'failed' : 'pending';
    const updated = paymentStatus === 'pending' ? created : created + random.int(5_000, 900_000);
    const lineCount = random.int(1, Math.min(4, counts.products));
    const chosen = new Set<number>();
    while (chosen.size < lineCount) chosen.add(random.int(1, counts.products));
    let totalCents = 0;
    for (const productId of chosen) {
      const quantity = random.int(1, 5);
      totalCents += priceCents[productId] * quantity;
      if (paymentStatus === 'pending') reserved[productId] += quantity;
      itemRows.push([++itemId, id, productId, quantity, money(priceCents[productId])]);
    }
    orderRows.push([
      id,
      random.int(1, counts.customers),
      'placed',
      paymentStatus,
      money(totalCents),
      iso(created),
      iso(updated),
    ]);
    const reference =
      paymentStatus === 'pending'
        ? null
        : `PSP-${random.int(0, 0xffffffff).toString(16).padStart(8, '0')}`;
    paymentRows.push([
      id,
      id,
      money(totalCents),
      random.pick(PAYMENT_METHODS),
      paymentStatus,
      reference,
      iso(created),
      iso(updated),
    ]);
  }
  return {
    tables: [
      {
        table: 'orders',
        columns: cols(
          'id bigint, customer_id bigint, status text, payment_status text, total numeric, created_at timestamptz, updated_at timestamptz',
        ),
        rows: orderRows,
      },
      {
        table: 'order_items',
        columns: cols(
          'id bigint, order_id bigint, product_id bigint, quantity int, unit_price numeric',
        ),
        rows: itemRows,
      },
      {
        table: 'payments',
        columns: cols(
          'id bigint, order_id bigint, amount numeric, method text, status text, reference text, created_at timestamptz, updated_at timestamptz',
        ),
        rows: paymentRows,
      },
    ],
    reserved,
  };
}

function inventory(count: number, reserved: number[]): TableRows {
  const random = createRandom(SEED, 'inventory');
  const rows: unknown[][] = [];
  for (let id = 1; id <= count; id++) {
    rows.push([
      id,
      reserved[id] + random.int(0, 400),
      reserved[id],
      iso(START + YEAR + random.int(0, 30) * DAY),
    ]);
  }
  return {
    table: 'inventory',
    columns: cols('product_id bigint, quantity int, reserved int, updated_at timestamptz'),
    rows,
  };
}

/** Every table's rows, in an order that satisfies the foreign keys. */
export function generateShop(scale: number): TableRows[] {
  const counts = seedCounts(scale);
  const product = products(counts.products);
  const order = orders(counts, product.priceCents);
  return [
    customers(counts.customers),
    product.table,
    inventory(counts.products, order.reserved),
    ...order.tables,
  ];
}
