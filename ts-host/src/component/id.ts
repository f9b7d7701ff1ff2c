// Component and pipeline identifiers: `type[/name]`, with the Go Collector's syntax rules and error texts.

const TYPE_PATTERN = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;
// No Unicode separators (Z), control characters (C) or symbols (S).
const NAME_PATTERN = /^[^\p{Z}\p{C}\p{S}]+$/u;
const MAX_NAME_LENGTH = 1024;

/** Checks a component type; throws with the Go wording when it is invalid. */
export function validateType(type: string): string {
  if (type.length === 0) throw new Error('id must not be empty');
  if (!TYPE_PATTERN.test(type)) throw new Error(`invalid character(s) in type "${type}"`);
  return type;
}

function validateName(name: string): string {
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_NAME_LENGTH) {
    throw new Error(`name "${name}" is longer than ${MAX_NAME_LENGTH} characters (${bytes} characters)`);
  }
  if (!NAME_PATTERN.test(name)) throw new Error(`invalid character(s) in name "${name}"`);
  return name;
}

/** A component's identity in a config: its type and an optional name. */
export class ID {
  private constructor(readonly type: string, readonly name: string) {}

  static of(type: string, name = ''): ID {
    return new ID(validateType(type), name === '' ? '' : validateName(name));
  }

  /** Parses `type[/name]`, splitting on the first `/` only, as the Go Collector does. */
  static parse(text: string): ID {
    const slash = text.indexOf('/');
    if (slash < 0) return new ID(validateType(text.trim()), '');
    const type = text.slice(0, slash).trim();
    const name = text.slice(slash + 1).trim();
    if (type === '') throw new Error(`in "${text}" id: the part before / should not be empty`);
    if (name === '') throw new Error(`in "${text}" id: the part after / should not be empty`);
    try {
      validateType(type);
    } catch (err) {
      throw new Error(`in "${text}" id: ${(err as Error).message}`);
    }
    return new ID(type, validateName(name));
  }

  toString(): string {
    return this.name === '' ? this.type : `${this.type}/${this.name}`;
  }

  equals(other: ID): boolean {
    return this.type === other.type && this.name === other.name;
  }
}
