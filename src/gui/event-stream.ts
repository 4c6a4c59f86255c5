import type { ServerResponse } from "node:http";

/** Keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  /** Called once when the browser goes away. */
  onClose(listener: () => void): void;
}

/** Turns a response into a Server-Sent Events stream (`text/event-stream`). */
export function openEventStream(res: ServerResponse): EventStream {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  res.write(": stream open\n\n");
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
  res.on("close", () => clearInterval(heartbeat));
  return {
    send(event, data) {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(listener) {
      res.on("close", listener);
    },
  };
}
