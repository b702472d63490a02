/**
 * The proxy's suites set stages in Unleash as `ficus stage` does, with the control plane's admin
 * client; the proxy itself never imports the control plane, so its tests reach it through here.
 */
export { unleashAdmin, type UnleashAdmin } from '../rollout/unleash-admin.ts';
