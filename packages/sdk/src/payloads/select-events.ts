/**
 * The type-level twin of `events-filter.ts`: which members of a union of event types an `events`
 * list lets through. `*` matches a run of characters without ".", `**` any run; `!x` excludes.
 */
export type SelectEventTypes<
  All extends string,
  Events extends readonly string[] | undefined,
> = Events extends readonly string[]
  ? string extends Events[number]
    ? All // a list typed `string[]` says nothing TypeScript can use
    : Select<All, Positive<Events[number]>, Negative<Events[number]>>
  : All;

type Positive<P extends string> = P extends `!${string}` ? never : P;
type Negative<P extends string> = P extends `!${infer N}` ? N : never;

type Select<All extends string, Pos extends string, Neg extends string> = All extends All
  ? ([Pos] extends [never] ? true : MatchesSome<All, Pos>) extends true
    ? MatchesSome<All, Neg> extends true
      ? never
      : All
    : never
  : never;

type MatchesSome<T extends string, Patterns extends string> = true extends (
  Patterns extends Patterns
    ? GlobMatches<T, Patterns>
    : never
)
  ? true
  : false;

/** Whether the literal `S` matches the glob `P`, one character at a time. */
export type GlobMatches<S extends string, P extends string> = P extends `**${infer Rest}`
  ? StarMatches<S, Rest, true>
  : P extends `*${infer Rest}`
    ? StarMatches<S, Rest, false>
    : P extends `${infer C}${infer Rest}`
      ? S extends `${C}${infer SRest}`
        ? GlobMatches<SRest, Rest>
        : false
      : S extends ""
        ? true
        : false;

type StarMatches<S extends string, Rest extends string, CrossesDots extends boolean> =
  GlobMatches<S, Rest> extends true
    ? true
    : S extends `${infer C}${infer SRest}`
      ? C extends "."
        ? CrossesDots extends true
          ? StarMatches<SRest, Rest, CrossesDots>
          : false
        : StarMatches<SRest, Rest, CrossesDots>
      : false;
