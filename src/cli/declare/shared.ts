/** Flag declarations shared by several commands. */
import type { Command } from 'commander';

/** Repeatable flags collect their values into a list. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--config FILE`, on every command (see config.ts). */
export const CONFIG_FLAG = ['--config <file>', 'JSON file of flags (keys: flag names); command-line flags win'] as const;

/** The probe flags shared by verify, load and reproduce; `attempts` differs per command. */
export function addProbeOptions(cmd: Command, attempts: string): Command {
  return cmd
    .option('--prompt <text>', 'user prompt for the enqueue body (origin ChatRequest)')
    .option('--body <json|@file>', 'raw enqueue body, JSON text or @path')
    .option('-H, --header <"Name: value">', 'extra request header, repeatable (secrets are redacted in reports)', collect, [])
    .option('--compressed', 'accept gzip/deflate/br on the stream as a browser does, and nothing else (no identity comparison run)')
    .option('--identity', 'ask for Accept-Encoding: identity only: the stream\'s own timing, not what a browser gets')
    .option('--origin <url>', 'send this Origin, as a browser page there would, and check the CORS answers')
    .option('--id-field <path>', 'dotted path of the stream id in the enqueue answer', 'decision_set_id')
    .option('--enqueue-path <path>', 'enqueue endpoint (POST)', '/api/chat/async')
    .option('--stream-path <path>', 'stream endpoint; {id} is replaced', '/api/streams/{id}')
    .option('--job-status-path <path>', 'asked when a stream shows no terminal event; {job_id} is replaced; "" disables', '/api/jobs/{job_id}/status')
    .option('--attempts <n>', 'reconnects after a 404 (origin frontend: 5)', attempts)
    .option('--retry-delay <duration>', 'pause before each reconnect (origin frontend: 2.5s)', '2.5s')
    .option('--timeout <duration>', 'limit for connecting and for each response head', '15s')
    .option('--observe <duration>', 'longest time to watch the stream for the terminal event', '2m')
    .option('--idle-heartbeats <n>', 'stop after this many heartbeat events in a row without progress', '2')
    .option('--terminal-event <type>', 'event that ends a healthy run', 'workflow-complete')
    .option('--heartbeat-event <type>', 'event type counted as a heartbeat, repeatable', collect, [])
    .option('--max-event-size <size>', 'largest line or event accepted', '1mb')
    .option('--client <name>', 'stream client: probe (reconnects only after a 404, as the origin frontend), browser (also reconnects as an EventSource: after retry: or 3 s, with Last-Event-ID) or origin (the origin hook alone: a new EventSource after --retry-delay on every error, event: error included)', 'probe')
    .option('--reconnect-time <duration>', 'browser client: wait before a reconnect until the server sends retry: (Chromium and Safari 3s, Firefox 5s)', '3s')
    .option('--max-reconnects <n>', 'browser and origin clients, --cut-after: most reconnects after an open stream ended, broke or was cut', '10')
    .option('--cut-after <n>', 'resume check: drop the stream after n meaningful events, reconnect, and report whether the server resumed, replayed or restarted')
    .option('--cacert <file>', 'trust the CA certificates in this PEM file too (added to the bundled public roots)')
    .option('--cert <file>', 'client certificate (PEM) for servers that ask for one; its key in the same file or --key')
    .option('--key <file>', 'private key (PEM) of --cert')
    .option('--insecure', 'do not verify TLS certificates (a warning goes to stderr)')
    .option('--http2', 'offer HTTP/2 by ALPN on https:// URLs; the protocol used is recorded per stream request');
}

