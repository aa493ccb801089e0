export { createProgram, run } from "./program.ts";
