/** Builds UpdateItem expressions with placeholder names and values, so no attribute name is ever reserved-word trouble. */
export interface UpdateSpec {
  set?: Record<string, unknown>;
  /** SET a = if_not_exists(a, :v): written only when the attribute is absent. */
  setIfNotExists?: Record<string, unknown>;
  /** SET m.k = :v for each key of each map: changes those entries of a map that exists, keeps the rest. */
  setInMap?: Record<string, Record<string, unknown>>;
  /** ADD for atomic counters (negative numbers subtract). */
  add?: Record<string, number>;
  remove?: string[];
}

export interface ExpressionParts {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function buildUpdateExpression(spec: UpdateSpec, prefix = "u"): ExpressionParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let counter = 0;
  const name = (attribute: string): string => {
    const placeholder = `#${prefix}${counter}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (v: unknown): string => {
    const placeholder = `:${prefix}${counter++}`;
    values[placeholder] = v;
    return placeholder;
  };

  const setClauses: string[] = [];
  for (const [attribute, v] of Object.entries(spec.set ?? {})) {
    if (v === undefined) continue;
    const n = name(attribute);
    setClauses.push(`${n} = ${value(v)}`);
  }
  for (const [attribute, v] of Object.entries(spec.setIfNotExists ?? {})) {
    if (v === undefined) continue;
    const n = name(attribute);
    setClauses.push(`${n} = if_not_exists(${n}, ${value(v)})`);
  }
  for (const [attribute, entries] of Object.entries(spec.setInMap ?? {})) {
    const map = name(attribute);
    counter++;
    for (const [key, v] of Object.entries(entries)) {
      if (v === undefined) continue;
      const entry = name(key);
      setClauses.push(`${map}.${entry} = ${value(v)}`);
    }
  }
  const addClauses: string[] = [];
  for (const [attribute, v] of Object.entries(spec.add ?? {})) {
    const n = name(attribute);
    addClauses.push(`${n} ${value(v)}`);
  }
  const removeClauses = (spec.remove ?? []).map((attribute) => {
    const n = name(attribute);
    counter++;
    return n;
  });

  const parts: string[] = [];
  if (setClauses.length) parts.push(`SET ${setClauses.join(", ")}`);
  if (addClauses.length) parts.push(`ADD ${addClauses.join(", ")}`);
  if (removeClauses.length) parts.push(`REMOVE ${removeClauses.join(", ")}`);
  if (!parts.length) throw new Error("An update needs at least one SET, ADD or REMOVE");

  return {
    UpdateExpression: parts.join(" "),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}
