import { classifyRows } from './compare-rows.ts';
import {
  formatRepairPlan,
  planTableRepair,
  repairBatches,
  tableDirection,
  type TableDiff,
} from './repair-plan.ts';

const diff = (): TableDiff => ({
  source: 'products',
  target: 'items',
  keyNames: ['item_id'],
  keys: { mismatched: [['2']], missingInTarget: [['3']], extraInTarget: [['4']] },
});

describe('planTableRepair', () => {
  it('forward: re-copies mismatched and missing keys from legacy, deletes the extra ones', () => {
    expect(planTableRepair(diff(), 'forward')).toEqual({
      source: 'products',
      target: 'items',
      keyNames: ['item_id'],
      direction: 'forward',
      copy: [['2'], ['3']],
      remove: [['4']],
    });
  });

  it('reverse: copies mismatched keys and those only the service has into legacy, deletes those only legacy has', () => {
    expect(planTableRepair(diff(), 'reverse')).toMatchObject({
      direction: 'reverse',
      copy: [['2'], ['4']],
      remove: [['3']],
    });
  });

  it('takes every key of a row-by-row comparison, beyond the samples verify keeps', () => {
    const legacy = Array.from({ length: 20 }, (_, i) => ({ key: [String(i)], h: 'a' }));
    const service = legacy.filter((_, i) => i % 2 === 0).map((r) => ({ ...r, h: 'b' }));
    const { keys, matching } = classifyRows(legacy, service);
    expect(matching).toBe(0);
    const repair = planTableRepair({ ...diff(), keys }, 'forward');
    expect(repair.copy).toHaveLength(20);
    expect(repair.remove).toEqual([]);
  });
});

describe('tableDirection', () => {
  it('replicated tables flow forward whatever the service does; owned ones follow it', () => {
    expect(tableDirection('replicates', 'reverse')).toBe('forward');
    expect(tableDirection('owns', 'reverse')).toBe('reverse');
    expect(tableDirection('owns', 'forward')).toBe('forward');
  });
});

describe('repairBatches', () => {
  it('takes every key once, copies first, in batches of the given size', () => {
    const repair = {
      ...planTableRepair(diff(), 'forward'),
      copy: [['1'], ['2'], ['3']],
      remove: [['2'], ['4']],
    };
    expect(repairBatches(repair, 2)).toEqual([
      [['1'], ['2']],
      [['3'], ['4']],
    ]);
  });

  it('makes no batch of an empty repair', () => {
    expect(
      repairBatches({ ...planTableRepair(diff(), 'forward'), copy: [], remove: [] }, 10),
    ).toEqual([]);
  });
});

describe('formatRepairPlan', () => {
  it('lists per table the keys to re-copy and to delete, composite keys by name', () => {
    const text = formatRepairPlan([
      planTableRepair(diff(), 'forward'),
      planTableRepair(
        {
          source: 'stock',
          target: 'stock',
          keyNames: ['warehouse', 'sku'],
          keys: { mismatched: [['north', 'A']], missingInTarget: [], extraInTarget: [] },
        },
        'forward',
      ),
    ]);
    expect(text).toBe(
      [
        '  products -> items (forward): 2 to re-copy from legacy, 1 to delete from service',
        '    re-copy item_id: 2, 3',
        '    delete item_id: 4',
        '  stock -> stock (forward): 1 to re-copy from legacy, 0 to delete from service',
        '    re-copy warehouse, sku: (warehouse=north, sku=A)',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to repair, and cuts long key lists', () => {
    expect(formatRepairPlan([])).toBe('nothing to repair\n');
    const many = { ...planTableRepair(diff(), 'reverse'), copy: [['1'], ['2'], ['3']] };
    expect(formatRepairPlan([many], 2)).toContain('re-copy item_id: 1, 2 … (1 more)');
    expect(formatRepairPlan([many], 2)).toContain(
      'items -> products (reverse): 3 to re-copy from service, 1 to delete from legacy',
    );
  });
});
