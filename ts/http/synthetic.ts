/**
 * A request/response pair that no client is waiting on, for background
 * refreshes (stale-while-revalidate): real node:http objects on an
 * unconnected socket, so a handler or a framework router treats it like any
 * other request, while the capture keeps every byte away from the socket.
 */
import { IncomingMessage, ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';

/** A GET request for `url` with `headers`, and its response. */
export function syntheticExchange(url: string, headers: IncomingHttpHeaders): { req: IncomingMessage; res: ServerResponse } {
  const socket = new Socket();
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = { ...headers };
  const raw: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else if (value !== undefined) raw.push(name, value);
  }
  req.rawHeaders = raw;
  req.push(null);
  const res = new ServerResponse(req);
  return { req, res };
}

/** Tells listeners of a synthetic response that it is over (there is no socket to do it). */
export function finishSynthetic(res: ServerResponse): void {
  res.emit('finish');
  res.emit('close');
}
