/**
 * The report's suite fills a kit DB with the proxy's real recorder, so the report is checked on
 * rows as the proxy writes them; the report itself never imports the proxy, so it reaches the
 * recorder through here.
 */
export { createComparisonRecorder } from '../proxy/store/comparison-recorder.ts';
