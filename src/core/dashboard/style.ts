/**
 * The dashboard's one stylesheet, served from /dashboard/style.css (same origin: `style-src 'self'`). System fonts,
 * no images, contrast of at least 4.5:1, and a focus ring on everything that takes focus.
 */
export const DASHBOARD_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --accent: #0a4fb3;
  --good: #116329; --good-bg: #dafbe1; --bad: #a40e26; --bad-bg: #ffebe9; --warn: #7d4e00; --warn-bg: #fff8c5;
  --info: #0a4fb3; --info-bg: #ddf4ff; --focus: #bf3989; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg); padding: 0 .25em; border-radius: 4px; }
.skip { position: absolute; left: -10000px; top: .5rem; background: #fff; padding: .5rem 1rem; border: 2px solid var(--focus); z-index: 10; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .75rem 2rem; background: #24292f; color: #fff; }
.top a { color: #fff; }
.top .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; letter-spacing: .02em; }
.top nav ul { display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0; }
.top nav a { display: block; padding: .35rem .75rem; border-radius: 6px; text-decoration: none; }
.top nav a:hover { background: #3d444d; }
.top nav a[aria-current="page"] { background: #fff; color: #24292f; font-weight: 600; }
.top :focus-visible { outline-color: #ff9bce; }
.signout { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
main { padding: 1.5rem 2rem 3rem; max-width: 1280px; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .25rem 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
.lead { color: var(--muted); margin-top: 0; }
.muted { color: var(--muted); font-weight: normal; }
.crumbs { margin: 0; font-size: .9rem; }
button, .button { font: inherit; font-weight: 600; padding: .45rem 1rem; border-radius: 6px; border: 1px solid #1b1f2426;
  background: #1f883d; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button:hover, .button:hover { background: #1a7f37; }
.signout button { background: transparent; border-color: #8c959f; padding: .25rem .75rem; }
.signout button:hover { background: #3d444d; }
.export button { background: #fff; color: var(--ink); border-color: var(--line); }
.export button:hover { background: var(--bg); }
.filters { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
.filters legend { font-weight: 600; margin-bottom: .5rem; padding: 0; }
.check { display: flex; align-items: center; gap: .4rem; }
.check input { width: 1.1rem; height: 1.1rem; margin: 0; }
.fields { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; margin-top: 1rem; }
.fields label { display: block; font-size: .85rem; font-weight: 600; margin-bottom: .2rem; }
.fields input, .fields select { font: inherit; padding: .35rem .5rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; min-width: 12rem; }
.fields input[type="number"] { min-width: 6rem; width: 7rem; }
.actions { margin-top: 1rem; display: flex; align-items: center; gap: 1rem; }
.export { margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; color: var(--muted); font-size: .9rem; padding-bottom: .35rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--bg); font-size: .85rem; border-bottom: 2px solid var(--line); }
tbody tr:hover { background: #f6f8fa99; }
table.models td:first-child, table.models td:nth-child(2) { white-space: nowrap; }
table.unmanaged { table-layout: fixed; }
table.unmanaged th:nth-child(1) { width: 45%; }
table.unmanaged th:nth-child(2) { width: 10%; }
table.unmanaged code { overflow-wrap: anywhere; }
tr.clause th { background: #eaeef2; font-size: .95rem; }
td input[type="checkbox"] { margin-right: .5rem; width: 1.05rem; height: 1.05rem; vertical-align: -2px; }
.badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: .05rem .5rem; border-radius: 999px; margin: .1rem .1rem .1rem 0; white-space: nowrap; border: 1px solid transparent; }
.badge-good { color: var(--good); background: var(--good-bg); border-color: #4ac26b66; }
.badge-bad { color: var(--bad); background: var(--bad-bg); border-color: #ff818266; }
.badge-warn { color: var(--warn); background: var(--warn-bg); border-color: #d4a72c66; }
.badge-info { color: var(--info); background: var(--info-bg); border-color: #54aeff66; }
.badge-muted { color: var(--muted); background: #eaeef2; border-color: #afb8c166; }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
.timeline > li { position: relative; margin: 0 0 1.25rem 1.25rem; padding: .9rem 1.1rem; border: 1px solid var(--line); border-radius: 8px; }
.timeline > li::before { content: ""; position: absolute; left: -1.72rem; top: 1.1rem; width: .9rem; height: .9rem; border-radius: 50%; background: #8c959f; border: 2px solid #fff; }
.timeline > li.current { border-color: #54aeff; }
.timeline > li.current::before { background: var(--info); }
dl { margin: .5rem 0 0; display: grid; gap: .3rem; }
dl > div { display: grid; grid-template-columns: 11rem 1fr; gap: 1rem; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; }
.notice { background: var(--warn-bg); border: 1px solid #d4a72c66; padding: .75rem 1rem; border-radius: 6px; }
.empty { color: var(--muted); font-style: italic; }
.signin { max-width: 40rem; margin: 3rem auto; }
.signin h1 { font-size: 2rem; }
.pages { display: flex; gap: 1.5rem; align-items: center; }
`;

/** The tab's icon, served from /dashboard/favicon.svg (same origin: `img-src 'self'`). */
export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#24292f"/><path d="M9 17l5 5 9-11" fill="none" stroke="#4ac26b" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
