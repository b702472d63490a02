/**
 * The shop monolith as an Express app over one knex instance (the legacy DB). Each feature folder
 * brings its routes; this file only wires them. Used by main.ts, by tests and by the proxy's demo.
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createLogger, type Logger } from '../lib/logger.ts';
import { customerRoutes } from './customers/customer-controller.ts';
import { createCustomerService } from './customers/create-customer-service.ts';
import { createInventoryService } from './inventory/create-inventory-service.ts';
import { inventoryRoutes } from './inventory/inventory-controller.ts';
import { createOrderService } from './orders/create-order-service.ts';
import { orderRoutes } from './orders/order-controller.ts';
import { createPaymentService } from '../shop-shared/payments/create-payment-service.ts';
import { paymentRoutes } from '../shop-shared/payments/payment-controller.ts';
import { createProductService } from './products/create-product-service.ts';
import { productRoutes } from './products/product-controller.ts';
import { createShopApp } from '../shop-shared/shop-app.ts';

export function createMonolithApp(options: { db: Knex; log?: Logger }): Express {
  const { db } = options;
  return createShopApp({
    log: options.log ?? createLogger('monolith'),
    routes: (app) => {
      app.use('/api/products', productRoutes(createProductService(db)));
      app.use('/api/customers', customerRoutes(createCustomerService(db)));
      app.use('/api/inventory', inventoryRoutes(createInventoryService(db)));
      app.use('/api/orders', orderRoutes(createOrderService(db)));
      app.use('/api/payments', paymentRoutes(createPaymentService(db)));
    },
  });
}
