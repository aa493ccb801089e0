/**
 * The CLI's environment, read here only (HOOKBOX_URL, HOOKBOX_API_KEY, XDG_CONFIG_HOME,
 * XDG_STATE_HOME, HOME, and for `dev` HANDLERS_DIR and LOG_LEVEL); everything else takes it as
 * a parameter, so tests pass their own.
 */
export function cliEnv(): NodeJS.ProcessEnv {
  return process.env;
}
