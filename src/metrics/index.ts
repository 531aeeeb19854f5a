export { METRICS, STAGES, LATENCY_BUCKETS_SECONDS, type MetricSpec, type StageName } from './names';
export {
  RpntdMetrics,
  type RpntdMetricsOptions,
  type MetricLabels,
  type StatsFieldMetrics,
} from './rpntd-metrics';
export { serveMetrics, type MetricsServer, type MetricsServerOptions } from './metrics-server';
