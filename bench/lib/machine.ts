import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Where a figure was measured: printed under every table and plot of the report. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  platform: string;
  /** 1/5/15-minute load averages at the start and end of the run; > cores means other work shared the CPUs. */
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  hostname: string;
  gpu: string;
}

export interface CommitInfo {
  sha: string;
  short: string;
  branch: string;
  /** Uncommitted changes to tracked files when the run started. */
  dirty: boolean;
}

function cpuModel(): string {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(text);
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function gpu(): string {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 }).trim() || 'none';
  } catch {
    return 'none (no nvidia-smi)';
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    hostname: os.hostname(),
    gpu: gpu(),
  };
}

export function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}`;
}

export function commitInfo(cwd: string): CommitInfo {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  try {
    const sha = git('rev-parse', 'HEAD');
    return {
      sha,
      short: sha.slice(0, 10),
      branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    };
  } catch {
    return { sha: 'unknown', short: 'unknown', branch: 'unknown', dirty: false };
  }
}
