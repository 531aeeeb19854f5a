export {
  RpntdConfigSchema,
  EXECUTION_PROVIDERS,
  binSamplesOf,
  type ExecutionProviderName,
  type RpntdConfig,
  type IngestConfig,
  type BinConfig,
  type ModelConfig,
  type PublishConfig,
  type MetricsConfig,
} from './schema';
export { loadConfig, REPO_ROOT, type ConfigOverrides } from './load';
