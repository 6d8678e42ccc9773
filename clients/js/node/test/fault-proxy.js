// A tiny HTTP proxy on loopback that forwards to the live server and injects faults into
// POST /v1/events: a 429 with Retry-After (not forwarded), or a dropped connection AFTER the
// server accepted the batch (the client never sees the answer, so it must retry).
import { createServer, request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";

export async function startFaultProxy({ upstream, faults }) {
  const target = new URL(upstream);
  const log = []; // every events request: {action, events: [{insert_id, timestamp}], gzip}
  let eventsRequests = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let action = "forward";
      if (req.method === "POST" && req.url.startsWith("/v1/events")) {
        eventsRequests += 1;
        action = faults[eventsRequests] || "forward";
        const gzip = req.headers["content-encoding"] === "gzip";
        const events = JSON.parse((gzip ? gunzipSync(body) : body).toString()).events;
        log.push({ action, gzip, events: events.map((e) => ({ insert_id: e.insert_id, timestamp: e.timestamp })) });
      }
      if (action === "429") {
        res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "1" });
        res.end(JSON.stringify({ error: { code: "rate_limited", message: "Injected by the test proxy." } }));
        return;
      }
      const headers = { ...req.headers, host: target.host };
      const upstreamRequest = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (upstreamResponse) => {
          const parts = [];
          upstreamResponse.on("data", (chunk) => parts.push(chunk));
          upstreamResponse.on("end", () => {
            if (action === "drop") {
              req.socket.destroy(); // the server has the events; the client gets no answer
              return;
            }
            res.writeHead(upstreamResponse.statusCode, upstreamResponse.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      upstreamRequest.on("error", () => req.socket.destroy());
      upstreamRequest.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
