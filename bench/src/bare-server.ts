// Reference "bare": a Hono route that reads the body and answers 202. Nothing else.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/in/:source", async (c) => {
  await c.req.arrayBuffer();
  return c.json({ id: "bare", status: "queued", duplicate: false }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" }, (info) =>
  console.log(JSON.stringify({ msg: "listening", port: info.port })),
);
