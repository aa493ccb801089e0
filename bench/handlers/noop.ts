// The bench's no-op code handler: a plain object of defineHandler's shape (no import needed), so
// `pnpm bench` can compare a drain through a code handler with a drain through the built-in `log`.
// biome-ignore lint/style/noDefaultExport: a handler module's default export is the handler.
export default {
  id: "bench-noop",
  tenants: "*",
  async handle() {},
};
