// Decoding of Stripe's form encoding (`a[b][0][c]=v`, `expand[]=x`) into plain objects.
export type FormValue = string | FormValue[] | { [k: string]: FormValue };
export type FormObject = { [k: string]: FormValue };

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  re.lastIndex = first;
  while ((m = re.exec(key))) parts.push(m[1]);
  return parts;
}

/** Parse an urlencoded string the way Stripe's API does. Numeric segments create arrays. */
export function parseForm(body: string): FormObject {
  const root: Record<string, unknown> = {};
  if (!body) return root as FormObject;
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawK = eq < 0 ? pair : pair.slice(0, eq);
    const rawV = eq < 0 ? "" : pair.slice(eq + 1);
    const path = splitKey(decode(rawK));
    const value = decode(rawV);
    let cur: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      const nextSeg = path[i + 1];
      if (Array.isArray(cur)) {
        const arr = cur as unknown[];
        const idx = seg === "" ? arr.length : Number(seg);
        if (last) arr[idx] = value;
        else {
          if (arr[idx] === undefined || typeof arr[idx] !== "object")
            arr[idx] = nextSeg === "" || /^\d+$/.test(nextSeg) ? [] : {};
          cur = arr[idx] as Record<string, unknown>;
        }
        continue;
      }
      if (last) {
        cur[seg] = value;
      } else {
        if (cur[seg] === undefined || typeof cur[seg] !== "object")
          cur[seg] = nextSeg === "" || /^\d+$/.test(nextSeg) ? [] : {};
        cur = cur[seg] as Record<string, unknown>;
      }
    }
  }
  // compact sparse arrays
  const compact = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
    if (v && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = compact(x);
      return o;
    }
    return v;
  };
  return compact(root) as FormObject;
}

/** Deterministic serialisation used to compare idempotent request parameters. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object")
    return (
      "{" +
      Object.keys(v)
        .sort()
        .map((k) => JSON.stringify(k) + ":" + canonical((v as Record<string, unknown>)[k]))
        .join(",") +
      "}"
    );
  return JSON.stringify(v);
}
