/** True for `text/event-stream` with any parameters, in any case (the MIME essence check of WHATWG §9.2.2). */
export function isEventStream(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}
