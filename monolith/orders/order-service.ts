/**
 * Orders. Placing one is the shop's busiest transaction and touches five tables at once, the way
 * the monolith has always done it: the customer must exist, every product must exist and be
 * active, the stock rows are locked (in product id order, so concurrent orders cannot deadlock)
 * and must have enough unreserved stock; then the stock is reserved and the order, its lines and
 * a pending payment are written. Any failure rolls everything back.
 */
import type { CustomerStore } from '../customers/customer-store-type.ts';
import type { InventoryStore } from '../inventory/inventory-store-type.ts';
import type { ProductStore } from '../products/product-store-type.ts';
import { ConflictError, NotFoundError } from '../../shop-shared/http-errors.ts';
import { checkOrderTotal } from '../../shop-shared/orders/order-input.ts';
import {
  orderTotal,
  quantitiesByProduct,
  type Shortage,
} from '../../shop-shared/orders/order-lines.ts';
import type { OrderStore } from '../../shop-shared/orders/order-store-type.ts';
import type { PlaceOrder } from '../../shop-shared/orders/order-types.ts';
import { recordOrder } from '../../shop-shared/orders/record-order.ts';
import { toPage, type Page, type PageRequest } from '../../shop-shared/pagination.ts';
import type { PaymentStore } from '../../shop-shared/payments/payment-store-type.ts';
import type { Transactional } from '../../shop-shared/transactional.ts';
import type { OrderReadModel } from './order-read-model-type.ts';
import type { OrderDetails, OrderFilter, OrderSummary } from './order-read-types.ts';

export type OrderStores = {
  customers: CustomerStore;
  products: ProductStore;
  inventory: InventoryStore;
  orders: OrderStore;
  payments: PaymentStore;
  orderReads: OrderReadModel;
};

export class OrderService {
  private readonly stores: OrderStores;
  private readonly transactional: Transactional<OrderStores>;

  constructor(stores: OrderStores, transactional: Transactional<OrderStores>) {
    this.stores = stores;
    this.transactional = transactional;
  }

  async list(filter: OrderFilter, page: PageRequest): Promise<Page<OrderSummary>> {
    const { items, total } = await this.stores.orderReads.list(filter, page);
    return toPage(items, page, total);
  }

  async get(id: number): Promise<OrderDetails> {
    const order = await this.stores.orderReads.get(id);
    if (!order) throw new NotFoundError(`order ${id} not found`, { orderId: id });
    return order;
  }

  async place(request: PlaceOrder): Promise<OrderDetails> {
    return this.transactional(async (s) => {
      if (!(await s.customers.get(request.customerId))) {
        throw new NotFoundError(`customer ${request.customerId} not found`, {
          field: 'customerId',
          customerId: request.customerId,
        });
      }
      const wanted = quantitiesByProduct(request.items);
      const productIds = [...wanted.keys()];
      const products = new Map((await s.products.getMany(productIds)).map((p) => [p.id, p]));
      for (const id of productIds) {
        const product = products.get(id);
        if (!product)
          throw new NotFoundError(`product ${id} not found`, { field: 'items', productId: id });
        if (!product.active)
          throw new ConflictError(`product ${id} is not for sale (inactive)`, { productId: id });
      }

      const stock = new Map(
        (await s.inventory.lockForUpdate(productIds)).map((row) => [row.productId, row]),
      );
      const shortages: Shortage[] = [];
      for (const [productId, requested] of wanted) {
        const row = stock.get(productId);
        const available = row ? row.quantity - row.reserved : 0;
        if (available < requested) shortages.push({ productId, requested, available });
      }
      if (shortages.length > 0) {
        const list = shortages
          .map((x) => `product ${x.productId} (requested ${x.requested}, available ${x.available})`)
          .join(', ');
        throw new ConflictError(`not enough stock for ${list}`, { shortages });
      }
      const lines = request.items.map((i) => ({
        ...i,
        unitPrice: products.get(i.productId)!.price,
      }));
      const total = orderTotal(lines);
      checkOrderTotal(total);

      for (const [productId, requested] of wanted) {
        const row = stock.get(productId)!;
        await s.inventory.save(productId, {
          quantity: row.quantity,
          reserved: row.reserved + requested,
        });
      }
      const orderId = await recordOrder(s, request, lines, total);
      return (await s.orderReads.get(orderId))!;
    });
  }
}
