/**
 * Arrival schedules for the open model. Pure: `startAt(i)` is when the i-th run (from 0) is
 * due, in ms since the load began, or undefined once the schedule has ended.
 */

export interface Schedule {
  /** Due time of run `i` in ms, or undefined past the end. */
  startAt(i: number): number | undefined;
  /** Runs the whole schedule holds (for progress). */
  readonly total: number;
}

/**
 * A linear ramp from `fromPerSec` to `toPerSec` over `durationMs` (equal rates: constant).
 * The i-th run is due when the expected arrivals ∫rate dt reach i.
 */
export function rampSchedule(fromPerSec: number, toPerSec: number, durationMs: number): Schedule {
  const d = durationMs / 1000;
  const slope = (toPerSec - fromPerSec) / d; // runs/s²
  const arrivalsBy = (t: number): number => fromPerSec * t + (slope * t * t) / 2;
  const total = Math.floor(arrivalsBy(d) + 1e-9);
  return {
    total,
    startAt(i) {
      if (i >= total) return undefined;
      if (Math.abs(slope) < 1e-12) return (i / fromPerSec) * 1000;
      // Solve fromPerSec·t + slope·t²/2 = i for the first t ≥ 0.
      const t = (-fromPerSec + Math.sqrt(fromPerSec * fromPerSec + 2 * slope * i)) / slope;
      return t * 1000;
    },
  };
}

/** A constant rate, `perSec` runs per second for `durationMs`. */
export function constantSchedule(perSec: number, durationMs: number): Schedule {
  return rampSchedule(perSec, perSec, durationMs);
}

/**
 * The runs of `schedule` that fall to part `index` (0-based) of `count`: runs index, index+count,
 * index+2·count… at their original times. The parts together are exactly the whole schedule,
 * so generators on several threads keep the overall rate and spacing.
 */
export function sliceSchedule(schedule: Schedule, index: number, count: number): Schedule {
  const total = schedule.total > index ? Math.ceil((schedule.total - index) / count) : 0;
  return { total, startAt: (i) => (i < total ? schedule.startAt(i * count + index) : undefined) };
}
