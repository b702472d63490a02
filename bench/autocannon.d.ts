// The part of autocannon's API the proxy benchmark uses (the package ships no types).
declare module 'autocannon' {
  type Request = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  };
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    requests?: Request[];
    overallRate?: number;
  };
  type Histogram = { average: number; p50: number; p99: number; p97_5: number; max: number };
  /** `total`: the answers received in the run */
  type Counted = Histogram & { total: number };
  export type Result = {
    requests: Counted;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  export default function autocannon(options: Options): Promise<Result>;
}
