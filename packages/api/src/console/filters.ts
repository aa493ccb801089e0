import {
  BODY_PATH,
  EVENT_STATUSES,
  type EventFilter,
  type EventStatus,
  type ReplayFilter,
} from "@hookbox/shared";

/** The filter fields of the events page, as they appear in its query string (the permalink). */
export const FILTER_FIELDS = [
  "source",
  "status",
  "type",
  "since",
  "until",
  "handler",
  "key",
  "path",
  "value",
] as const;
export type FilterQuery = Partial<Record<(typeof FILTER_FIELDS)[number], string>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `2026-01-02T10:02` (a datetime-local field, read as UTC) or any ISO 8601 instant. */
function parseInstant(value: string): Date | null {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const at = new Date(withZone);
  return Number.isNaN(at.getTime()) ? null : at;
}

export interface ParsedFilter {
  query: FilterQuery;
  filter: EventFilter;
  problems: string[];
}

/** The events page's query string → the shared EventFilter (and what was wrong with it). */
export function parseFilter(params: Record<string, string | undefined>): ParsedFilter {
  const query: FilterQuery = {};
  for (const f of FILTER_FIELDS) {
    const v = params[f]?.trim();
    if (v) query[f] = v.slice(0, 500);
  }
  const problems: string[] = [];
  const filter: EventFilter = { source: query.source, handler: query.handler, idempotencyKey: query.key };
  if (query.status) {
    if ((EVENT_STATUSES as readonly string[]).includes(query.status))
      filter.status = query.status as EventStatus;
    else problems.push(`status: one of ${EVENT_STATUSES.join(", ")}`);
  }
  if (query.type) {
    if (query.type.includes("*")) filter.typeGlob = query.type;
    else filter.type = query.type;
  }
  for (const f of ["since", "until"] as const) {
    const v = query[f];
    if (!v) continue;
    const at = parseInstant(v);
    if (at) filter[f] = at;
    else problems.push(`${f}: not a date and time`);
  }
  if (query.path || query.value !== undefined) {
    const path = query.path?.replace(/^\$\./, "");
    if (!path || !BODY_PATH.test(path)) problems.push("body path: dotted names like data.object.customer");
    else if (query.value === undefined) problems.push("body value: the value the path must equal");
    else {
      filter.bodyPath = path;
      filter.bodyValue = query.value;
    }
  }
  return { query, filter, problems };
}

/** The same filter for a bulk replay job (ISO strings; only settled statuses replay). */
export function toReplayFilter(filter: EventFilter): ReplayFilter {
  const status = filter.status === "completed" || filter.status === "dead" ? filter.status : undefined;
  const defined = Object.entries({
    source: filter.source,
    status,
    type: filter.type,
    since: filter.since?.toISOString(),
    until: filter.until?.toISOString(),
    idempotencyKey: filter.idempotencyKey,
    typeGlob: filter.typeGlob,
    handler: filter.handler,
    bodyPath: filter.bodyPath,
    bodyValue: filter.bodyValue,
  }).filter(([, v]) => v !== undefined);
  return Object.fromEntries(defined) as ReplayFilter;
}

/** The query string of a filter (plus extra parameters), for links and forms. */
export function queryString(query: FilterQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

export const isUuid = (id: string | undefined): id is string => Boolean(id && UUID.test(id));
