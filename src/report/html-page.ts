/** The page every HTML report shares: its style, the outcome colours, cards and legends. */
import { OUTCOMES, type OutcomeCode } from '../classify/outcomes.js';
import { esc } from './svg-charts.js';

/** A fixed colour per outcome, so the banner, every chart, legend and table agree. */
const COLOURS: Record<OutcomeCode, string> = {
  healthy: '#2e9d5b',
  'early-404': '#d9412b',
  'heartbeat-only': '#e08a1e',
  stalled: '#c9a227',
  'error-event': '#a3339f',
  'closed-early': '#7a4fd6',
  'not-sse': '#3b6fd6',
  'http-error': '#8a5a44',
  'enqueue-failed': '#6b7280',
  timeout: '#0f8aa6',
  'malformed-stream': '#b03060',
  unreachable: '#111827',
  'client-limit': '#d1a3a3',
  interrupted: '#9ca3af',
};

/** The colour of an outcome (every outcome has one: the table is typed by the outcome codes). */
export function outcomeColour(code: OutcomeCode): string {
  return COLOURS[code];
}

const STYLE = `*{box-sizing:border-box}body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1f2937}
main{max-width:1040px;margin:0 auto;padding:1.5rem 1rem 3rem}h1{font-size:1.25rem;margin:0 0 .75rem}h2{font-size:1.05rem;margin:0 0 .5rem}
section.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem 1.2rem;margin:1rem 0}
table{border-collapse:collapse;margin:.25rem 0;width:100%}td,th{border-bottom:1px solid #eef0f3;padding:.3rem .6rem;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}th{font-weight:600;color:#4b5563}
.pass{color:#2e9d5b;font-weight:600}.fail{color:#d9412b;font-weight:600}.muted{color:#6b7280}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-1px}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.4rem 0 0;font-size:13px}.legend .dash{display:inline-block;width:1.6em;border-top:2px solid #334155;margin-right:.4em;vertical-align:4px}.legend .dash.dashed{border-top-style:dashed}
svg{display:block;margin-top:.25rem}svg text{font:12px system-ui,sans-serif;fill:#4b5563}svg text.axis-title{font-weight:600;fill:#374151}
.warn{background:#fff7e6;border:1px solid #f2c27a;border-radius:6px;padding:.5rem .8rem}
#verdict{display:flex;gap:1.2rem;align-items:center;border-left:10px solid var(--c);background:#fff}
#verdict .word{flex:none;white-space:nowrap;font-size:1.9rem;font-weight:800;letter-spacing:.03em;color:var(--c);min-width:6.5rem}
#verdict .why{font-size:1.05rem;font-weight:600}#verdict .hint{margin-top:.25rem;color:#374151}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dl.meta dt{color:#6b7280}dl.meta dd{margin:0;overflow-wrap:anywhere}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;border-radius:4px;padding:.05rem .3rem}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem}.figure{background:#f9fafb;border-radius:6px;padding:.5rem .7rem}
.figure .v{font-size:1.3rem;font-weight:700}.figure .k{color:#6b7280;font-size:12px}`;

export function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}

export const card = (id: string, title: string, body: string): string => `<section class="card" id="${id}-section"><h2>${esc(title)}</h2>${body}</section>`;

/** Outcomes present in a set of per-second buckets, in table order, with their colours. */
export function legend(codes: Iterable<string>): string {
  const present = new Set(codes);
  return `<div class="legend">${OUTCOMES.filter((o) => present.has(o.code))
    .map((o) => `<span><span class="swatch" style="background:${outcomeColour(o.code)}"></span>${o.code}</span>`)
    .join('')}</div>`;
}
