import { proxyAppName, proxyPorts } from './apps.ts';
import { DEFAULT_PORTS } from './stack-config.ts';

test('the first proxy keeps the configured ports; the others follow its admin port', () => {
  expect(proxyPorts(DEFAULT_PORTS, 1)).toEqual({ port: 18080, adminPort: 18089 });
  expect(proxyPorts(DEFAULT_PORTS, 2)).toEqual({ port: 18090, adminPort: 18094 });
  expect(proxyPorts(DEFAULT_PORTS, 3)).toEqual({ port: 18091, adminPort: 18095 });
  expect(proxyPorts(DEFAULT_PORTS, 5)).toEqual({ port: 18093, adminPort: 18097 });
  expect([1, 2, 3].map(proxyAppName)).toEqual(['proxy', 'proxy-2', 'proxy-3']);
});

test('no clash with the stack ports in the allowed range; outside it, an error naming the flag', () => {
  const taken = new Set(Object.values(DEFAULT_PORTS));
  const used = new Set<number>();
  for (let n = 2; n <= 5; n++) {
    const { port, adminPort } = proxyPorts(DEFAULT_PORTS, n);
    for (const p of [port, adminPort]) {
      expect(taken.has(p) || used.has(p) || p >= DEFAULT_PORTS.servicePortBase).toBe(false);
      used.add(p);
    }
  }
  expect(() => proxyPorts(DEFAULT_PORTS, 6)).toThrow(/--proxies must be an integer from 1 to 5/);
  expect(() => proxyPorts(DEFAULT_PORTS, 0)).toThrow(/--proxies/);
});
