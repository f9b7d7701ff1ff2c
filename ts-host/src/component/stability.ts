// Stability levels, in the Go Collector's order, with the messages its builder logs for each.

export enum StabilityLevel {
  Undefined = 0,
  Unmaintained,
  Deprecated,
  Development,
  Alpha,
  Beta,
  Stable,
}

const NAMES: readonly string[] = ['Undefined', 'Unmaintained', 'Deprecated', 'Development', 'Alpha', 'Beta', 'Stable'];

export function stabilityName(level: StabilityLevel): string {
  return NAMES[level] ?? 'Undefined';
}

/** Case-insensitive, like Go's `UnmarshalText`. */
export function parseStability(text: string): StabilityLevel {
  const index = NAMES.findIndex((name) => name.toLowerCase() === text.toLowerCase());
  if (index < 0) throw new Error(`unsupported stability level: "${text}"`);
  return index as StabilityLevel;
}

export function stabilityLogMessage(level: StabilityLevel): string {
  switch (level) {
    case StabilityLevel.Unmaintained:
      return 'Unmaintained component. Actively looking for contributors. Component will become deprecated after 3 months of remaining unmaintained.';
    case StabilityLevel.Deprecated:
      return 'Deprecated component. Will be removed in future releases.';
    case StabilityLevel.Development:
      return 'Development component. May change in the future.';
    case StabilityLevel.Alpha:
      return 'Alpha component. May change in the future.';
    case StabilityLevel.Beta:
      return 'Beta component. May change in the future.';
    case StabilityLevel.Stable:
      return 'Stable component.';
    default:
      return 'Stability level of component is undefined';
  }
}
