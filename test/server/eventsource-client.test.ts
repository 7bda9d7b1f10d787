/** A real browser-like client, the `eventsource` package, against the reference server. */
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function enqueueOn(scenario: string): Promise<{ server: ReferenceServer; id: string }> {
  const server = await startReferenceServer({ scenario, log: { level: 'off', format: 'text' } });
  servers.push(server);
  const res = await fetch(`${server.url}/api/chat/async`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }),
  });
  const { decision_set_id: id } = (await res.json()) as { decision_set_id: string };
  return { server, id };
}

describe('eventsource package against serve', () => {
  it('receives named node events through addEventListener, in plan order', async () => {
    const { server, id } = await enqueueOn('healthy');
    const es = new EventSource(`${server.url}/api/streams/${id}`);
    const nodes: string[] = [];
    let unnamed = 0;
    es.onmessage = () => unnamed++;
    es.addEventListener('node-start', (e) => nodes.push(JSON.parse(e.data).data.node));
    await new Promise<void>((resolve, reject) => {
      es.addEventListener('workflow-complete', () => resolve());
      es.onerror = (e) => reject(new Error(`unexpected error ${String(e.message)}`));
    });
    es.close();
    expect(nodes[0]).toBe('intake_extract');
    expect(nodes).toHaveLength(13);
    expect(unnamed).toBe(0); // every origin event is named; onmessage never fires
  });

  it('gets a 404 error and closes under early-404', async () => {
    const { server, id } = await enqueueOn('early-404');
    const es = new EventSource(`${server.url}/api/streams/${id}`);
    const error = await new Promise<{ code?: number; message?: string }>((resolve) => {
      es.onerror = (e) => resolve(e as unknown as { code?: number; message?: string });
    });
    expect(error.code).toBe(404);
    expect(es.readyState).toBe(EventSource.CLOSED);
    es.close();
  });
});
