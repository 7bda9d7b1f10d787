/**
 * Sharding: the i-th of n equal parts of a load run, for schedulers that already exist (a
 * Kubernetes Indexed Job, a CI matrix). The parts' result files merge exactly with `report`.
 */
import { usageError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/**
 * `i/n`, or just `n` with the index taken from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
 * (0-based there, 1-based here).
 */
export function parseShard(text: string, env: Record<string, string | undefined>): Shard {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(text);
  const bad = (why: string): never => {
    throw usageError('bad-shard', `--shard "${text}": ${why}`, 'use --shard 2/4, or --shard 4 inside a Kubernetes Indexed Job');
  };
  if (!m) return bad('expected i/n');
  const count = Number(m[2]);
  let index: number;
  if (m[1] !== undefined) index = Number(m[1]);
  else {
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d+$/.test(raw)) return bad('no index given and JOB_COMPLETION_INDEX is not set');
    index = Number(raw) + 1;
  }
  if (count < 1) bad('n must be at least 1');
  if (index < 1 || index > count) bad(`i must be from 1 to ${count}`);
  return { index, count };
}

/** The shard's part of `total` units: equal parts, the first `total % count` shards one larger. */
export function shareOf(total: number, shard: Shard): number {
  return Math.floor(total / shard.count) + (shard.index <= total % shard.count ? 1 : 0);
}

/** The shard's part of a rate (runs per second): an equal fraction. */
export function rateShare(perSec: number, shard: Shard): number {
  return perSec / shard.count;
}
