/**
 * The dashboard's page frame (docs/dashboard.md): server-rendered HTML with no script at all and one same-origin
 * stylesheet, so the Content-Security-Policy can be `default-src 'none'; style-src 'self'`. Every text from a
 * repository or GitHub goes through escapeHtml; links only through safeHref or the dashboard's own paths.
 */
import { escapeHtml } from "../audit/html-escape.js";

export type Section = "models" | "repositories" | "unmanaged" | "provisions";

const SECTIONS: ReadonlyArray<{ id: Section; label: string; href: string }> = [
  { id: "models", label: "Models", href: "/dashboard" },
  { id: "repositories", label: "Repositories", href: "/dashboard/repositories" },
  { id: "unmanaged", label: "Unmanaged files", href: "/dashboard/unmanaged" },
  { id: "provisions", label: "Provisions", href: "/dashboard/provisions" },
];

/** The signed-in user as the frame shows it, with the session's CSRF token for its forms. */
export interface Viewer {
  login: string;
  csrfToken: string;
}

/** A hidden field carrying the session's CSRF token (every POST form has one). */
export function csrfField(viewer: Viewer): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(viewer.csrfToken)}">`;
}

export function page(options: { title: string; viewer?: Viewer; section?: Section; body: string }): string {
  const { title, viewer, section, body } = options;
  const nav = viewer
    ? `<nav aria-label="Dashboard sections"><ul>${SECTIONS.map(
        (s) =>
          `<li><a href="${s.href}"${s.id === section ? ' aria-current="page"' : ""}>${escapeHtml(s.label)}</a></li>`,
      ).join("")}</ul></nav>
<form class="signout" method="post" action="/dashboard/auth/logout">${csrfField(viewer)}<span>Signed in as <strong>${escapeHtml(viewer.login)}</strong></span> <button type="submit">Sign out</button></form>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">
<title>${escapeHtml(title)} · modelgate</title>
<link rel="stylesheet" href="/dashboard/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/dashboard">modelgate</a>${nav}</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`;
}

/** The page a visitor without a session sees: what the dashboard is, and one way in. */
export function signInPage(notice?: string): string {
  return page({
    title: "Sign in",
    body: `<section class="signin">
<h1>The organisation's models</h1>
<p>Every model in every repository the modelgate App is installed on: its evaluation, sign-offs, releases and deployments, and the model files no manifest declares.</p>
${notice ? `<p class="notice" role="alert">${escapeHtml(notice)}</p>` : ""}
<p><a class="button" href="/dashboard/auth/login">Sign in with GitHub</a></p>
<p class="muted">You see only the repositories your own GitHub account can read, checked with GitHub every minute.</p>
</section>`,
  });
}

/** A page that says one thing: an error, a refusal, the dashboard being off. */
export function messagePage(title: string, message: string, viewer?: Viewer): string {
  return page({
    title,
    ...(viewer ? { viewer } : {}),
    body: `<h1>${escapeHtml(title)}</h1>
<p class="notice" role="alert">${escapeHtml(message)}</p>
<p><a href="/dashboard">Back to the dashboard</a></p>`,
  });
}
