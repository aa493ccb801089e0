export {
  type Fixture,
  FixtureSchema,
  loadFixture,
  type ParsedFixture,
  parseFixture,
} from "./testing/fixture.ts";
export {
  createCapturingLogger,
  createMemoryStepStore,
  type LogEntry,
  type LogLevel,
} from "./testing/memory.ts";
export {
  DEFAULT_TEST_TIMEOUT_MS,
  type RunHandlerOptions,
  type RunHandlerResult,
  runHandler,
} from "./testing/run-handler.ts";
