// Text that PostgreSQL, URLs and headers can hold.

/** A UTF-16 surrogate without its partner: not text (jsonb refuses it, `encodeURIComponent` throws on it). */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function withoutLoneSurrogates(text: string) {
  return text.replace(LONE_SURROGATES, "");
}

export function hasLoneSurrogate(text: string) {
  return withoutLoneSurrogates(text).length !== text.length;
}
