import fs from 'node:fs';
import path from 'node:path';

/** The repository root seen from dist/test/bin/ (compiled) or test/bin/ (sources). */
export const REPO_ROOT = [path.resolve(__dirname, '..', '..', '..'), path.resolve(__dirname, '..', '..')].find((dir) =>
  fs.existsSync(path.join(dir, 'package.json')),
) as string;

/**
 * The shared data folder: $RPNTD_SHARED_DIR/data, else `<repo>/../shared/data` (a clone with shared/ beside it, as
 * in CI), else `<repo>/../../shared/data` (a git worktree one level further down). undefined when none exists.
 */
export function sharedDataDir(): string | undefined {
  const candidates = [
    process.env.RPNTD_SHARED_DIR && path.join(process.env.RPNTD_SHARED_DIR, 'data'),
    path.resolve(REPO_ROOT, '..', 'shared', 'data'),
    path.resolve(REPO_ROOT, '..', '..', 'shared', 'data'),
  ].filter((dir): dir is string => typeof dir === 'string' && dir.length > 0);
  return candidates.find((dir) => fs.existsSync(dir));
}
