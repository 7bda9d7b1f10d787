/**
 * Whether a max-wait sweep's smallest safe window and the tail estimate tell one story. They are
 * different claims: "no early 404 in n runs" bounds the miss rate only at about 3/n (the rule of
 * three, 95 %), while the estimate aims at the target miss rate. Pure.
 */
import { percentText, seconds, type Recommendation } from './recommend.js';

/** One sweep step as the comparison needs it. */
export interface SweepStep {
  /** STREAM_DECISION_SET_MAX_WAIT of the step, ms. */
  windowMs: number;
  runs: number;
  /** Runs that got a 404 after the window. */
  misses: number;
}

export interface SweepAgreement {
  /** True when the recommendation lies where the sweep puts the answer (or the sweep cannot place it). */
  agree: boolean;
  text: string;
}

/** Compares the smallest window with no miss against the recommendation. */
export function compareSweep(steps: SweepStep[], rec: Recommendation): SweepAgreement | undefined {
  const suggested = rec.suggestedMs ?? (rec.kind === 'fits' ? rec.estimate?.quantileMs : undefined);
  if (suggested === undefined || steps.length === 0) return undefined;
  const sorted = [...steps].sort((a, b) => a.windowMs - b.windowMs);
  const safe = sorted.find((s) => s.misses === 0);
  const unsafe = sorted.filter((s) => s.misses > 0).at(-1);
  const target = percentText(rec.targetMissRate);
  if (unsafe && suggested <= unsafe.windowMs) {
    const rate = unsafe.misses / unsafe.runs;
    return {
      agree: false,
      text:
        `they disagree: ${seconds(unsafe.windowMs)} still lost ${percentText(rate)} of runs (${unsafe.misses} of ${unsafe.runs}), ` +
        `more than ${target}, yet the estimate suggests ${seconds(suggested)}; the fitted family understates this tail — trust the sweep and sweep higher`,
    };
  }
  if (!safe) {
    return { agree: true, text: `no swept window was free of misses; the estimate (${seconds(suggested)}) lies past the longest one swept` };
  }
  const bound = percentText(Math.min(1, 3 / safe.runs));
  if (suggested <= safe.windowMs) {
    return {
      agree: true,
      text:
        `they agree: the estimate (${seconds(suggested)}) lies ${unsafe ? `between ${seconds(unsafe.windowMs)}, which still lost runs, and ` : 'at or below '}` +
        `${seconds(safe.windowMs)}, the first window with no miss`,
    };
  }
  return {
    agree: true,
    text:
      `the estimate (${seconds(suggested)}) is above the smallest safe window (${seconds(safe.windowMs)}) because no miss in ${safe.runs} runs ` +
      `only shows a miss rate under about ${bound} (95 %), not under ${target}; the longer window is what ${target} needs`,
  };
}
