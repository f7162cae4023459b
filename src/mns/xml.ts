const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text for the inside of an XML element: `&`, `<` and `>` as entities, nothing else touched.
 * `@alicloud/mns` builds its request XML by string concatenation and escapes nothing, so a
 * message body with `&` or `<` is a 400 MalformedXML unless its sender escapes it with this;
 * every XML parser (the SDK's included) hands the original text back.
 */
export function escapeXml(text: string): string {
  return /[&<>]/.test(text) ? text.replace(/[&<>]/g, (c) => entities[c]!) : text;
}
