/** How long the walkthrough lets each phase run: `fast` for CI and the impatient, `full` for a person. */
export type Pace = {
  seedScale: number;
  trafficPerSecond: number;
  shadowSeconds: number;
  catalogSteps: string;
  ordersSteps: string;
  interval: string;
  checkEvery: string;
  minComparisons: { catalog: number; orders: number };
};

export const PACES: Record<'fast' | 'full', Pace> = {
  fast: {
    seedScale: 0.2,
    trafficPerSecond: 30,
    shadowSeconds: 15,
    catalogSteps: '10,50,100',
    ordersSteps: '50,100',
    interval: '12s',
    checkEvery: '3s',
    minComparisons: { catalog: 40, orders: 15 },
  },
  full: {
    seedScale: 1,
    trafficPerSecond: 40,
    shadowSeconds: 45,
    catalogSteps: '5,25,50,100',
    ordersSteps: '25,50,100',
    interval: '30s',
    checkEvery: '5s',
    minComparisons: { catalog: 100, orders: 40 },
  },
};

/** The `ficus rollout` flags that set how long each step runs and how it is checked. */
export function rolloutPacing(pace: Pace, service: 'catalog' | 'orders'): string[] {
  return [
    '--interval',
    pace.interval,
    '--check-every',
    pace.checkEvery,
    '--min-comparisons',
    String(pace.minComparisons[service]),
  ];
}
