/** Stock of one product: `quantity` on hand, of which `reserved` is promised to placed orders. */
export type Inventory = { productId: number; quantity: number; reserved: number; updatedAt: Date };

export type StockLevels = { quantity: number; reserved: number };
