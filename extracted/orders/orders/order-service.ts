/**
 * Orders, served by the orders service from its own database.
 *
 * Placing an order cannot be one database transaction as in the monolith: stock is not the
 * orders service's data. It stays in the monolith's inventory (the plan moves no inventory here),
 * so the service reserves it through the monolith's public API (`POST /api/inventory/:id/adjust`
 * with a negative delta) *before* writing anything locally, and then writes the order, its lines
 * and the pending payment in one local transaction. If that transaction fails, or only some lines
 * could be reserved, the reservations already made are given back (positive delta). The
 * reservation therefore lowers `quantity` rather than raising `reserved` as the monolith's own
 * order placement does: the public adjust API is the only write the monolith offers, and a
 * service must never write another's tables.
 *
 * The checks run in the monolith's order with the monolith's messages (customer, products,
 * active, stock), so that both sides refuse the same request identically.
 */
import type { Logger } from '../../../lib/logger.ts';
import type { Transactional } from '../../../shop-shared/transactional.ts';
import { ConflictError, NotFoundError } from '../../shared/http-errors.ts';
import type { PaymentStore } from '../../../shop-shared/payments/payment-store-type.ts';
import type { ReplicaStore } from '../replicas/replica-store-type.ts';
import type { ShopApi } from '../shop-api/shop-api-type.ts';
import type { LocalOrderDetails } from './order-details.ts';
import {
  orderTotal,
  quantitiesByProduct,
  type Shortage,
} from '../../../shop-shared/orders/order-lines.ts';
import { checkOrderTotal } from '../../../shop-shared/orders/order-input.ts';
import type { LocalOrderReadModel } from './order-read-model-type.ts';
import type { OrderStore } from '../../../shop-shared/orders/order-store-type.ts';
import type { PlaceOrder } from '../../../shop-shared/orders/order-types.ts';
import { recordOrder } from '../../../shop-shared/orders/record-order.ts';

export type OrderStores = {
  replicas: ReplicaStore;
  orders: OrderStore;
  payments: PaymentStore;
  orderReads: LocalOrderReadModel;
};
export type OrderServiceDeps = {
  stores: OrderStores;
  transactional: Transactional<OrderStores>;
  shop: ShopApi;
  logger: Logger;
};

type Reservation = { productId: number; quantity: number };

export class OrderService {
  private readonly stores: OrderStores;
  private readonly transactional: Transactional<OrderStores>;
  private readonly shop: ShopApi;
  private readonly logger: Logger;

  constructor(deps: OrderServiceDeps) {
    this.stores = deps.stores;
    this.transactional = deps.transactional;
    this.shop = deps.shop;
    this.logger = deps.logger;
  }

  async get(id: number): Promise<LocalOrderDetails> {
    const order = await this.stores.orderReads.get(id);
    if (!order) throw new NotFoundError(`order ${id} not found`, { orderId: id });
    return order;
  }

  isProductOrdered(productId: number): Promise<boolean> {
    return this.stores.orderReads.isProductOrdered(productId);
  }

  async place(request: PlaceOrder): Promise<LocalOrderDetails> {
    const { replicas } = this.stores;
    if (!(await replicas.getCustomer(request.customerId))) {
      throw new NotFoundError(`customer ${request.customerId} not found`, {
        field: 'customerId',
        customerId: request.customerId,
      });
    }
    const wanted = quantitiesByProduct(request.items);
    const productIds = [...wanted.keys()];
    const snapshots = new Map(
      (await replicas.getProducts(productIds)).map((p) => [p.productId, p]),
    );
    const productNotFound = (id: number) =>
      new NotFoundError(`product ${id} not found`, { field: 'items', productId: id });
    for (const id of productIds) if (!snapshots.has(id)) throw productNotFound(id);
    for (const id of productIds) {
      const active = await this.shop.productActive(id);
      if (active === undefined) throw productNotFound(id);
      if (!active)
        throw new ConflictError(`product ${id} is not for sale (inactive)`, { productId: id });
    }

    const reservations = await this.reserve(wanted, request.customerId);
    try {
      const lines = request.items.map((i) => ({
        ...i,
        unitPrice: snapshots.get(i.productId)!.price,
      }));
      const total = orderTotal(lines);
      checkOrderTotal(total);
      return await this.transactional(async (s) => {
        const orderId = await recordOrder(s, request, lines, total);
        return (await s.orderReads.get(orderId))!;
      });
    } catch (error) {
      await this.release(reservations, 'order not written');
      throw error;
    }
  }

  /** Reserves every line (product id order) or none: on any shortage the rest is given back. */
  private async reserve(wanted: Map<number, number>, customerId: number): Promise<Reservation[]> {
    const done: Reservation[] = [];
    const shortages: Shortage[] = [];
    try {
      for (const [productId, quantity] of wanted) {
        const outcome = await this.shop.adjustStock(
          productId,
          -quantity,
          `reserved for an order of customer ${customerId}`,
        );
        if (outcome.ok) {
          done.push({ productId, quantity });
          continue;
        }
        const level =
          outcome.reason === 'no_inventory' ? undefined : await this.shop.stockLevel(productId);
        shortages.push({
          productId,
          requested: quantity,
          available: level ? level.quantity - level.reserved : 0,
        });
      }
    } catch (error) {
      await this.release(done, 'reservation interrupted');
      throw error;
    }
    if (shortages.length > 0) {
      await this.release(done, 'not enough stock for the whole order');
      const list = shortages
        .map((x) => `product ${x.productId} (requested ${x.requested}, available ${x.available})`)
        .join(', ');
      throw new ConflictError(`not enough stock for ${list}`, { shortages });
    }
    return done;
  }

  /** Gives reservations back. A failure here loses stock, so it is logged with what to correct. */
  private async release(reservations: Reservation[], why: string): Promise<void> {
    for (const { productId, quantity } of reservations) {
      try {
        const outcome = await this.shop.adjustStock(
          productId,
          quantity,
          `reservation released: ${why}`,
        );
        if (!outcome.ok) throw new Error(outcome.reason);
      } catch (error) {
        this.logger.error('could not give reserved stock back; correct it by hand', {
          productId,
          quantity,
          why,
          error: String(error),
        });
      }
    }
  }
}
