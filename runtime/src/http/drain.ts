/**
 * The listener's close without losing a request that arrived (issue 23). Node's `Server.close()` (v19 and
 * later) calls `closeIdleConnections()` at once, which destroys every connection with no request under way:
 * a kept-alive connection whose client is writing its next request in that instant, or a connection accepted
 * a moment earlier whose first request is still on its way, is reset instead of answered. Here the server's
 * `closeIdleConnections` is replaced by a sweep: once the listener stops accepting, a connection is closed only
 * after it has had no request under way and read no byte for DRAIN_IDLE_CLOSE_MS. A request that arrives
 * meanwhile is served, and its answer carries `Connection: close` (http/hooks.ts, while draining), so Node
 * closes the connection right after it. The drain deadline (MODEL_SERVER_DRAIN_SECONDS) still bounds it all.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a connection with nothing under way and no new byte stays open after the listener closed. A client
 * looping on a kept-alive connection writes its next request within a round trip of reading an answer; an
 * idle pooled connection (a load balancer's) costs this much of the drain, once.
 */
export const DRAIN_IDLE_CLOSE_MS = 1000;
const SWEEP_MS = 50;

interface Tracked {
  active: number;
  idleSince: number;
  bytesAtIdle: number;
}

export function closeIdleConnectionsGracefully(server: Server, idleMs = DRAIN_IDLE_CLOSE_MS): void {
  const sockets = new Map<Socket, Tracked>();
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { active: 0, idleSince: Date.now(), bytesAtIdle: socket.bytesRead });
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const tracked = sockets.get(socket);
    if (!tracked) return;
    tracked.active += 1;
    response.once('close', () => {
      tracked.active -= 1;
      tracked.idleSince = Date.now();
      tracked.bytesAtIdle = socket.bytesRead;
    });
  });
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    const now = Date.now();
    for (const [socket, t] of sockets) {
      if (t.active > 0) continue;
      if (socket.bytesRead !== t.bytesAtIdle) {
        // Bytes of a next request (its headers may not be complete yet): not idle.
        t.bytesAtIdle = socket.bytesRead;
        t.idleSince = now;
        continue;
      }
      if (now - t.idleSince >= idleMs) socket.destroy();
    }
    if (sockets.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  // Called by Server.close() (httpServerPreClose), and by anyone else asking for the idle connections to go.
  server.closeIdleConnections = (): void => {
    if (sweeper || sockets.size === 0) return;
    sweeper = setInterval(sweep, SWEEP_MS);
    sweep();
  };
}
