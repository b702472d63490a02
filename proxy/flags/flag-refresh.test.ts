/**
 * The revision guard where unleash-client applies an answer: with the real client (not started,
 * so nothing is fetched) and answers handed to it the two ways they arrive, through
 * `repository.save` (a pushed refresh) and through the poller's `onSave` (bound when the client was
 * built, so a wrapper around `save` never saw it).
 */
import { InMemStorageProvider, Unleash } from 'unleash-client';
import {
  decodeStage,
  flagName,
  stageStrategy,
  type FlagDefinition,
} from '../../plan/stage-flag.ts';
import type { StageState } from '../../plan/stages.ts';
import { flagRefresh } from './flag-refresh.ts';

type Answer = { type: 'full'; features: FlagDefinition[]; meta: { revisionId: number } };
type Internals = {
  repository: {
    save(answer: Answer, fromApi: boolean): Promise<void>;
    fetcher: { options: { onSave(answer: Answer, fromApi: boolean): Promise<void> } };
  };
};

const service = 'catalog';
const answer = (revisionId: number, state: StageState): Answer => ({
  type: 'full',
  features: [
    { name: flagName(service), enabled: true, strategies: [stageStrategy(service, state)] },
  ],
  meta: { revisionId },
});

let client: Unleash;
beforeEach(() => {
  client = new Unleash({
    appName: 'flag-refresh-test',
    url: 'http://127.0.0.1:9/api',
    refreshInterval: 3_600_000,
    disableAutoStart: true, // nothing is fetched: answers are handed to it
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
  });
  client.on('error', () => {});
});
afterEach(() => client.destroy());

const stage = () =>
  decodeStage(client.getFeatureToggleDefinition(flagName(service)) as FlagDefinition | undefined);

test('a poll answer older than a pushed one is not applied after it; a newer one is', async () => {
  const refresh = flagRefresh(client, { url: 'http://127.0.0.1:9/api', token: 't', appName: 'a' });
  const { repository } = client as unknown as Internals;
  const pollSave = repository.fetcher.options.onSave;
  expect(refresh.readAt()).toBeNull();

  await repository.save(answer(5, { stage: 'live', percent: 0 }), true); // the push
  await pollSave(answer(4, { stage: 'shadow', percent: 0 }), true); // a poll sent before it
  expect(stage()).toEqual({ stage: 'live', percent: 100 });

  await pollSave(answer(6, { stage: 'canary', percent: 25 }), true); // the next change
  expect(stage()).toEqual({ stage: 'canary', percent: 25 });
  expect(refresh.readAt()).toEqual(expect.any(Number));
});
