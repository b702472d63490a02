/**
 * The catalog's products. Unlike the monolith, creating or deleting a product does not touch
 * stock: inventory stays with the monolith (the catalog only holds a read-only replica of it).
 */
import { toPage, type Page, type PageRequest } from '../../../shop-shared/pagination.ts';
import { ConflictError, NotFoundError } from '../../shared/http-errors.ts';
import type { OrderHistory } from './order-history.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductChanges, ProductFilter } from './product-types.ts';

export type ProductServiceDeps = { products: ProductStore; orderHistory: OrderHistory };

const notFound = (id: number) => new NotFoundError(`product ${id} not found`, { productId: id });

export class ProductService {
  private readonly products: ProductStore;
  private readonly orderHistory: OrderHistory;

  constructor(deps: ProductServiceDeps) {
    this.products = deps.products;
    this.orderHistory = deps.orderHistory;
  }

  async list(filter: ProductFilter, page: PageRequest): Promise<Page<Product>> {
    const { items, total } = await this.products.list(filter, page);
    return toPage(items, page, total);
  }

  async get(id: number): Promise<Product> {
    const product = await this.products.get(id);
    if (!product) throw notFound(id);
    return product;
  }

  create(product: NewProduct): Promise<Product> {
    return this.products.create(product);
  }

  async update(id: number, changes: ProductChanges): Promise<Product> {
    const updated = await this.products.update(id, changes);
    if (!updated) throw notFound(id);
    return updated;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.products.get(id))) throw notFound(id);
    if (await this.orderHistory.isOrdered(id)) {
      throw new ConflictError(
        `product ${id} has been ordered and cannot be deleted (set active=false instead)`,
        { productId: id },
      );
    }
    await this.products.delete(id);
  }
}
