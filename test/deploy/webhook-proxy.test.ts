import { createHmac } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, test } from "vitest";
import { testPrivateKey } from "../helpers/test-app.js";

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A stand-in for a smee.io channel: an event stream that sends one delivery to whoever connects. */
async function fakeSmeeChannel(delivery: Record<string, unknown>): Promise<string> {
  const clients: ServerResponse[] = [];
  const channel = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write("event: ready\ndata: {}\n\n");
    clients.push(res);
    setTimeout(() => res.write(`data: ${JSON.stringify(delivery)}\n\n`), 50);
  });
  await new Promise<void>((resolve) => channel.listen(0, "127.0.0.1", resolve));
  stops.push(async () => {
    for (const client of clients) client.end();
    channel.closeAllConnections();
    await new Promise((resolve) => channel.close(resolve));
  });
  return `http://127.0.0.1:${(channel.address() as AddressInfo).port}/channel`;
}

describe("local development through a smee.io channel (WEBHOOK_PROXY_URL)", () => {
  test("smee-client is installed: a delivery on the channel reaches the webhook route with its signature intact", async () => {
    const payload = {
      action: "opened",
      issue: { number: 1 },
      repository: { full_name: "acme/models" },
      installation: { id: 1 },
    };
    const signature = `sha256=${createHmac("sha256", "proxy-secret").update(JSON.stringify(payload)).digest("hex")}`;
    const channel = await fakeSmeeChannel({
      "x-github-event": "issues",
      "x-github-delivery": "smee-1",
      "x-hub-signature-256": signature,
      body: payload,
      query: {},
    });
    const logs: Array<Record<string, unknown>> = [];
    const log = pino(
      { level: "info" },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const server = new Server({
      Probot: Probot.defaults({ appId: 1, privateKey: testPrivateKey(), secret: "proxy-secret", log }),
      host: "127.0.0.1",
      port: 0,
      webhookProxy: channel,
      log,
    });
    const received = new Promise<string>((resolve) => {
      void server.load((app) => app.on("issues.opened", async (context) => resolve(context.id)));
    });
    await server.start();
    stops.push(() => server.stop());
    await expect(received).resolves.toBe("smee-1");
    const messages = logs.map((line) => String(line.msg));
    expect(messages.some((message) => message.includes("npm install --save-dev smee-client"))).toBe(false);
    expect(messages).toContain(`Forwarding ${channel} to http://127.0.0.1:${server.port}/api/github/webhooks`);
  });
});
