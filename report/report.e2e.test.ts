// The report from a real kit DB filled by the real recorder, checked in its three forms; the HTML
// is opened in headless Chromium (Debian `chromium`, see .ci/install-browser.sh), which must draw
// it without a console error.
import { jest } from '@jest/globals';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { createLogger } from '../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { createComparisonRecorder } from '../test-support/comparison-recorder.ts';
import { readReportData } from './report-data.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';

jest.setTimeout(60_000);
let kit: TestDatabase;

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  const recorder = createComparisonRecorder(
    kit.knex,
    { retention: 1000 },
    createLogger('t', () => {}),
  );
  for (let i = 0; i < 40; i++) {
    const mismatch = i % 4 === 0;
    recorder.record({
      requestId: `r-${i}`,
      readAt: Date.now(),
      service: 'catalog',
      route: 'GET /api/products/:id',
      method: 'GET',
      url: `/api/products/${i}`,
      outcome: mismatch ? 'mismatch' : 'match',
      legacyStatus: 200,
      serviceStatus: 200,
      legacyMs: 2 + (i % 10),
      serviceMs: 3 + (i % 7),
      differences: mismatch
        ? [
            { path: '$.price', kind: 'changed', legacy: 12.5, service: 12.49 },
            { path: `$.tags[${i % 3}]`, kind: 'changed', legacy: '<b>a</b>', service: 'b' },
          ]
        : [],
    });
  }
  recorder.record({
    requestId: 'e',
    readAt: Date.now(),
    service: 'catalog',
    route: 'GET /api/products',
    method: 'GET',
    url: '/api/products',
    outcome: 'error',
    legacyStatus: 200,
    legacyMs: 4,
    differences: [],
    serviceError: 'timeout',
  });
  await recorder.close();
  // Spread the rows over ten minutes so the timeline has several buckets.
  await kit.knex.raw(
    `update proxy_comparisons set recorded_at = now() - (id % 10) * interval '1 minute'`,
  );
});
afterAll(() => kit?.drop());

it('gives per route the numbers of the stable JSON shape', async () => {
  const data = await readReportData(kit.knex);
  const byId = data.routes.find((r) => r.route === 'GET /api/products/:id')!;
  expect(byId).toMatchObject({
    service: 'catalog',
    compared: 40,
    matched: 30,
    mismatched: 10,
    matchRate: 0.75,
    errors: { legacy: 0, service: 0 },
  });
  expect(byId.topFields.map((f) => [f.path, f.count])).toEqual([
    ['$.price', 10],
    ['$.tags[*]', 10],
  ]);
  expect(byId.topFields[0].sample).toMatchObject({ legacy: 12.5, service: 12.49 });
  expect(byId.latency.legacy.p50).toBeGreaterThan(0);
  expect(byId.latency.service.p99).toBeGreaterThanOrEqual(byId.latency.service.p95!);
  expect(byId.timeline.length).toBeGreaterThan(5);
  const list = data.routes.find((r) => r.route === 'GET /api/products')!;
  expect(list).toMatchObject({
    compared: 1,
    errored: 1,
    matchRate: 0,
    errors: { legacy: 0, service: 1 },
  });
  expect(data.parity === null || Array.isArray(data.parity)).toBe(true);
  expect(renderMarkdown(data)).toContain('| `GET /api/products/:id` | catalog | 40 | 75.00% |');
});

it('renders an HTML report that Chromium draws without console errors', async () => {
  const html = renderHtml(await readReportData(kit.knex));
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained
  expect(html).toContain('&lt;b&gt;a&lt;/b&gt;');
  const file = `${fs.mkdtempSync('/tmp/ficus-report-')}/report.html`;
  fs.writeFileSync(file, html);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('ficus parallel-run report');
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((s) => ({
        w: s.getBoundingClientRect().width,
        marks: s.querySelectorAll('polyline, rect').length,
      })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(5);
    expect(charts.every((c) => c.w > 100 && c.marks > 0)).toBe(true);
    expect(await page.locator('text=Data parity').count()).toBe(1);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
    fs.rmSync(file, { force: true });
  }
});
