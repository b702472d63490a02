import { createLogger } from '../../lib/logger.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import type { Plan, TableMapping } from '../../plan/plan-types.ts';
import { changedAhead, createMappingReload } from './mapping-reload.ts';
import type { BackfillRequest } from './schema-backfill.ts';
import type { TableBaseline } from './schema-diff.ts';
import type { CompiledTopic } from './sink-topology.ts';
import type { TableWriter } from './table-writer.ts';

const TOPIC = 'ficus.catalog.public.products';

const planWith = (columns: string[]): Plan =>
  parsePlan(
    JSON.stringify({
      version: 1,
      legacy: { database: 'shop' },
      services: {
        catalog: {
          database: 'catalog',
          owns: [
            {
              source: 'products',
              target: 'products',
              key: ['id'],
              columns: Object.fromEntries(columns.map((c) => [c, c])),
            },
          ],
        },
      },
    }),
    'plan.yaml',
  );

type Columns = Record<string, string>;
const baselineOf = (source: Columns, mapped: string[]): TableBaseline => ({
  table: 'products',
  columns: Object.entries(source).map(([name, type]) => ({ name, type })),
  mapped: new Set(mapped),
});
const writerFor = (mapped: string[]) =>
  ({ topic: TOPIC, table: 'public.products', upsertSql: mapped.join(',') }) as TableWriter;

/** A worker's world: the live source and target columns, the plan file, the pause state. */
function world(start: { source: Columns; target: string[]; plan: string[] }) {
  const live = { ...start, planError: null as Error | null, paused: false, open: true };
  const writers = new Map([[TOPIC, writerFor(start.plan)]]);
  const baselines = new Map([[TOPIC, baselineOf(start.source, start.plan)]]);
  const differing = new Set<string>();
  const resumed: string[] = [];
  const backfills: BackfillRequest[] = [];
  let compiles = 0;
  const compile = async (plan: Plan, table: TableMapping): Promise<CompiledTopic> => {
    compiles++;
    const mapped = Object.keys(table.columns ?? {});
    for (const c of mapped)
      if (!(c in live.source)) throw new Error(`mapped column "${c}" is not a column`);
    return {
      writer: writerFor(mapped),
      baseline: baselineOf(live.source, mapped),
      missingInTarget: mapped.filter((c) => !live.target.includes(c)),
    };
  };
  const reload = createMappingReload({
    service: 'catalog',
    direction: 'forward',
    topicPrefix: 'ficus.catalog',
    plan: planWith(start.plan),
    loadPlan: () => {
      if (live.planError) throw live.planError;
      return planWith(live.plan);
    },
    compile,
    writers,
    baselines,
    watch: { differs: (t) => differing.has(t), forget: (t) => differing.delete(t) },
    isPaused: () => live.paused,
    openPausedTopics: async () => new Set(live.open ? [TOPIC] : []),
    resume: async (topic) => {
      live.paused = false;
      resumed.push(topic);
    },
    backfill: (request) => backfills.push(request),
    log: createLogger('test', () => undefined),
  });
  return {
    live,
    reload,
    differing,
    resumed,
    backfills,
    compiles: () => compiles,
    writes: () => writers.get(TOPIC)!.upsertSql,
  };
}

describe('mapping reload', () => {
  it('looks at no table while nothing moved', async () => {
    const w = world({ source: { id: 'bigint' }, target: ['id'], plan: ['id'] });
    await w.reload.check();
    expect(w.compiles()).toBe(0);
  });

  it('writes a newly mapped column once the plan maps it and the target has it', async () => {
    const w = world({
      source: { id: 'bigint', colour: 'text' },
      target: ['id'],
      plan: ['id'],
    });
    w.live.plan = ['id', 'colour'];
    await w.reload.check();
    expect(w.writes()).toBe('id'); // the service's migration has not run: the writer stays
    w.live.target.push('colour');
    await w.reload.check();
    expect(w.writes()).toBe('id,colour');
    // the rows synced before are back-filled, once
    await w.reload.check();
    expect(w.backfills).toEqual([
      { topic: TOPIC, target: 'products', reason: 'products.colour newly mapped' },
    ]);
  });

  it('asks a back-fill whenever the writer changes, not only for a newly mapped column', async () => {
    const w = world({
      source: { id: 'bigint', colour: 'text' },
      target: ['id', 'colour'],
      plan: ['id', 'colour'],
    });
    w.live.plan = ['id'];
    await w.reload.check();
    expect(w.backfills).toEqual([
      { topic: TOPIC, target: 'products', reason: 'products mapping changed' },
    ]);
  });

  it('asks no back-fill for a column the plan does not map', async () => {
    const w = world({ source: { id: 'bigint' }, target: ['id'], plan: ['id'] });
    w.live.source = { id: 'bigint', colour: 'text' };
    w.differing.add(TOPIC);
    await w.reload.check();
    expect([w.writes(), w.backfills]).toEqual(['id', []]);
  });

  it('does not compile past a mapped column the table changed before the stream got there', async () => {
    const w = world({
      source: { id: 'bigint', price: 'numeric(12,2)' },
      target: ['id', 'price'],
      plan: ['id', 'price'],
    });
    w.live.source = { id: 'bigint', price: 'text', colour: 'text' };
    w.differing.add(TOPIC); // the added column's events arrived, the type change's not yet
    await w.reload.check();
    expect(w.writes()).toBe('id,price');
    expect(w.differing.has(TOPIC)).toBe(true); // still watched against the old columns
  });

  it('resumes a paused table once its change is resolved and the mapping compiles', async () => {
    const w = world({
      source: { id: 'bigint', description: 'text' },
      target: ['id', 'description'],
      plan: ['id', 'description'],
    });
    w.live.paused = true;
    w.live.source = { id: 'bigint' };
    w.live.plan = ['id'];
    await w.reload.check(); // not resolved
    expect([w.compiles(), w.resumed]).toEqual([0, []]);
    w.live.open = false;
    w.live.plan = ['id', 'description'];
    await w.reload.check(); // resolved, but the plan still maps the dropped column
    expect([w.writes(), w.resumed]).toEqual(['id,description', []]);
    w.live.plan = ['id'];
    await w.reload.check();
    expect([w.writes(), w.resumed]).toEqual(['id', [TOPIC]]);
    // the rows synced before were written by the old mapping
    expect(w.backfills).toEqual([
      { topic: TOPIC, target: 'products', reason: 'products resumed under a changed mapping' },
    ]);
  });

  it('asks no back-fill when a paused table resumes under the same mapping', async () => {
    const w = world({ source: { id: 'bigint' }, target: ['id'], plan: ['id'] });
    w.live.paused = true;
    w.live.open = false;
    await w.reload.check();
    expect([w.resumed, w.backfills]).toEqual([[TOPIC], []]);
  });

  it('keeps the last good plan while the plan file does not load', async () => {
    const w = world({
      source: { id: 'bigint', colour: 'text' },
      target: ['id', 'colour'],
      plan: ['id'],
    });
    w.live.planError = new Error('plan.yaml: not valid YAML');
    await w.reload.check();
    expect(w.writes()).toBe('id');
    w.live.planError = null;
    w.live.plan = ['id', 'colour'];
    await w.reload.check();
    expect(w.writes()).toBe('id,colour');
  });
});

describe('changedAhead', () => {
  const before = baselineOf({ id: 'bigint', price: 'numeric(12,2)', note: 'text' }, [
    'id',
    'price',
  ]);
  it('names mapped columns dropped or changed in type, not unmapped ones or modifiers', () => {
    expect(changedAhead(before, baselineOf({ id: 'bigint', price: 'numeric(14,2)' }, []))).toEqual(
      [],
    );
    expect(changedAhead(before, baselineOf({ id: 'bigint', price: 'text' }, []))).toEqual([
      'price',
    ]);
    expect(changedAhead(before, baselineOf({ price: 'numeric' }, []))).toEqual(['id']);
  });
});
