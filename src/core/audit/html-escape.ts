const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text from the repository or GitHub as HTML text or attribute value: it can never open a tag, end an attribute or add a script. */
export function escapeHtml(text: string): string {
  // C0 controls (but tab and line feed) are not allowed in HTML text: shown as U+FFFD
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\ufffd");
}

/** Only http(s) links are written as links: a `javascript:` or `data:` URL from a manifest stays text. */
export function safeHref(url: string): string | undefined {
  return /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : undefined;
}
