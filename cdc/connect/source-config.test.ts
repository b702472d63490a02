import { parsePlan } from '../../plan/load-plan.ts';
import { tableKey } from '../../plan/qualified-table.ts';
import {
  capturedTables,
  copiesFirst,
  includeEntry,
  sourceConnectorSpec,
  topicOf,
} from './source-config.ts';
import { directionTables } from '../sink/sink-topology.ts';

// legacy tables in a schema whose name needs quoting, the service's in a schema of its own
const plan = parsePlan(
  `
version: 1
legacy: { database: legacy, schema: "Billing Data" }
services:
  billing:
    database: billing
    schema: ledger
    owns:
      - { source: "Invoices", target: invoice_lines, key: [order] }
      - { source: "tax.rates", target: rates, key: [code] }
    replicates:
      - { source: customers, target: customers, key: [id] }
`,
  'plan.yaml',
);
const service = plan.services[0];
const endpoint = { host: 'db', port: 5432, user: 'u', password: 'p', database: 'legacy' };

test('each direction captures its side of the plan, in its schema', () => {
  expect(capturedTables(plan, service, 'forward')).toEqual([
    { schema: 'Billing Data', table: 'Invoices' },
    { schema: 'Billing Data', table: 'tax.rates' },
    { schema: 'Billing Data', table: 'customers' },
  ]);
  expect(capturedTables(plan, service, 'reverse')).toEqual([
    { schema: 'ledger', table: 'invoice_lines' },
    { schema: 'ledger', table: 'rates' },
  ]);
});

test("Debezium's include lists are regexes: dots and other regex characters are escaped", () => {
  expect(includeEntry({ schema: 'Billing Data', table: 'tax.rates' })).toBe(
    'Billing Data\\.tax\\.rates',
  );
  expect(includeEntry({ schema: 'a+b', table: 'x(1)' })).toBe('a\\+b\\.x\\(1\\)');
  expect(() => includeEntry({ schema: 'public', table: 'a,b' })).toThrow(/comma/);
  const config = sourceConnectorSpec(plan, service, 'forward', { endpoint }).config;
  expect(config['table.include.list']).toBe(
    'Billing Data\\.Invoices,Billing Data\\.tax\\.rates,Billing Data\\.customers,ficus_cdc\\.heartbeat,ficus_cdc\\.signal',
  );
  expect(String(config['column.propagate.source.type']).split(',')[1]).toBe(
    'Billing Data\\.tax\\.rates\\..*',
  );
});

test('topics replace what Kafka does not allow as Debezium does, and the sink reads the same ones', () => {
  const spec = sourceConnectorSpec(plan, service, 'forward', { endpoint });
  expect(topicOf(spec, spec.tables[0])).toBe('ficus.billing.Billing_Data.Invoices');
  expect(spec.tables.map((t) => topicOf(spec, t))).toEqual(
    directionTables(plan, service, 'forward', spec.topicPrefix).map((t) => t.topic),
  );
  const reverse = sourceConnectorSpec(plan, service, 'reverse', { endpoint });
  expect(reverse.tables.map((t) => topicOf(reverse, t))).toEqual([
    'ficus.billing.reverse.ledger.invoice_lines',
    'ficus.billing.reverse.ledger.rates',
  ]);
  expect(
    directionTables(plan, service, 'reverse', reverse.topicPrefix).map((t) => t.topic),
  ).toEqual(reverse.tables.map((t) => topicOf(reverse, t)));
});

describe("a service whose legacy tables live in several schemas (a table's sourceSchema)", () => {
  const multi = parsePlan(
    `
version: 1
legacy: { database: legacy }
services:
  lending:
    database: lending
    owns:
      - { source: members, target: members, key: [id] }
      - { source: loans, sourceSchema: lending, target: loans, targetSchema: books, key: [ref] }
    replicates:
      - { source: members, sourceSchema: lending, target: lending_members, key: [member_no] }
`,
    'plan.yaml',
  );
  const lending = multi.services[0];

  test('captures each table in its own schema, forward and reverse', () => {
    expect(capturedTables(multi, lending, 'forward')).toEqual([
      { schema: 'public', table: 'members' },
      { schema: 'lending', table: 'loans' },
      { schema: 'lending', table: 'members' },
    ]);
    expect(capturedTables(multi, lending, 'reverse')).toEqual([
      { schema: 'public', table: 'members' },
      { schema: 'books', table: 'loans' },
    ]);
    const config = sourceConnectorSpec(multi, lending, 'forward', { endpoint }).config;
    expect(config['table.include.list']).toBe(
      'public\\.members,lending\\.loans,lending\\.members,ficus_cdc\\.heartbeat,ficus_cdc\\.signal',
    );
    expect(config['column.propagate.source.type']).toBe(
      'public\\.members\\..*,lending\\.loans\\..*,lending\\.members\\..*',
    );
  });

  test('keeps the keys of two tables of one name in two schemas apart', () => {
    const { keys } = sourceConnectorSpec(multi, lending, 'forward', { endpoint });
    expect(keys.get(tableKey({ schema: 'public', table: 'members' }))).toEqual([['id']]);
    expect(keys.get(tableKey({ schema: 'lending', table: 'members' }))).toEqual([['member_no']]);
    const reverse = sourceConnectorSpec(multi, lending, 'reverse', { endpoint });
    expect(reverse.keys.get(tableKey({ schema: 'books', table: 'loans' }))).toEqual([['ref']]);
  });

  test('reads each table from its own topic, the one the connector writes', () => {
    const spec = sourceConnectorSpec(multi, lending, 'forward', { endpoint });
    const topics = spec.tables.map((t) => topicOf(spec, t));
    expect(topics).toEqual([
      'ficus.lending.public.members',
      'ficus.lending.lending.loans',
      'ficus.lending.lending.members',
    ]);
    expect(
      directionTables(multi, lending, 'forward', spec.topicPrefix).map((t) => t.topic),
    ).toEqual(topics);
  });
});

test("forward streams without Debezium's snapshot unless the plan asks for it; ficus copies", () => {
  const mode = (initialLoad: 'copy' | 'debezium-snapshot' | undefined, d: 'forward' | 'reverse') =>
    sourceConnectorSpec(plan, { ...service, initialLoad }, d, { endpoint }).config['snapshot.mode'];
  expect(mode(undefined, 'forward')).toBe('no_data');
  expect(mode('copy', 'forward')).toBe('no_data');
  expect(mode('debezium-snapshot', 'forward')).toBe('initial');
  expect(mode('debezium-snapshot', 'reverse')).toBe('no_data');
  expect(copiesFirst({ ...service, initialLoad: undefined }, 'forward')).toBe(true);
  expect(copiesFirst({ ...service, initialLoad: 'debezium-snapshot' }, 'forward')).toBe(false);
  expect(copiesFirst(service, 'reverse')).toBe(false);
});
