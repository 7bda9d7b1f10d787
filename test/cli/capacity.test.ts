/** The warnings before a load: descriptors and local ports against the streams the model asks for (pure). */
import { describe, expect, it } from 'vitest';
import { capacityWarnings, FD_SLACK } from '../../src/cli/capacity.js';

const RANGE = { low: 32768, high: 60999 }; // Linux's default: 28,232 ports

describe('capacityWarnings', () => {
  it.each([
    // fits both limits: silent
    [{ streams: 1000, flag: '--concurrency', openFiles: { soft: 20000, hard: 20000 }, portRange: RANGE, localAddresses: 1 }, []],
    // limits unknown (not Linux): silent
    [{ streams: 100000, flag: '--concurrency', localAddresses: 1 }, []],
    // exactly the soft limit with the slack: silent
    [{ streams: 20000 - FD_SLACK, flag: '--concurrency', openFiles: { soft: 20000, hard: 20000 }, portRange: RANGE, localAddresses: 1 }, []],
    // one past it, hard limit high enough: raise the soft limit
    [
      { streams: 1000, flag: '--max-inflight', openFiles: { soft: 1024, hard: 1048576 }, portRange: RANGE, localAddresses: 1 },
      [/--max-inflight 1000 needs about 1064 open files .* may open 1024 \(ulimit -n\); .*near 960 streams: raise it first with `ulimit -n 1064`/],
    ],
    // past the hard limit too: shard
    [
      { streams: 50000, flag: '--concurrency', openFiles: { soft: 20000, hard: 20000 }, portRange: RANGE, localAddresses: 2 },
      [/--concurrency 50000 needs about 50064 open files .* the hard limit is 20000, so spread the load with --shard/],
    ],
    // past one address's ports: name how many addresses it takes
    [
      { streams: 50000, flag: '--concurrency', openFiles: { soft: 100000, hard: 100000 }, portRange: RANGE, localAddresses: 1 },
      [/1 source address × 28232 ports \(ip_local_port_range 32768–60999\) give 28232: spread them over at least 2 with --local-address \(e\.g\. 127\.0\.0\.1-127\.0\.0\.2/],
    ],
    // two addresses cover 50,000
    [{ streams: 50000, flag: '--concurrency', openFiles: { soft: 100000, hard: 100000 }, portRange: RANGE, localAddresses: 2 }, []],
    // both limits crossed: two lines, descriptors first
    [
      { streams: 60000, flag: '--concurrency', openFiles: { soft: 20000, hard: 20000 }, portRange: RANGE, localAddresses: 1 },
      [/open files/, /local ports/],
    ],
  ] as const)('%j', (input, expected) => {
    const lines = capacityWarnings(input);
    expect(lines).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(lines[i]).toMatch(re));
  });
});
