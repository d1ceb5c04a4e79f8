import type { ServerResponse } from 'node:http'

/**
 * The Content-Security-Policy of the built app. Everything comes from this origin; no inline script, no eval, no
 * foreign origin, no framing. Each relaxation is needed by something named:
 * - `script-src 'wasm-unsafe-eval'`: compiling WebAssembly (tfjs-backend-wasm in the training worker, node-seal's
 *   SEAL in the page). It allows WebAssembly.compile/instantiate only, not eval or `new Function` (node-seal's
 *   Emscripten glue uses neither: its embind names functions with Object.defineProperty).
 * - `style-src-attr 'unsafe-inline'`: lit templates carry `style="…"` attributes (px-app, px-dashboard,
 *   px-chain-explorer, px-task-creator, the market components). Only attributes: `<style>` elements and foreign
 *   sheets stay forbidden (`style-src 'self'`); lit's `static styles` are constructable stylesheets, which style-src
 *   does not govern, and Chart.js sizes its canvas through the CSSOM, which it does not govern either. Moving those
 *   attributes into the components' `static styles` would let this go.
 * - `img-src data:`: the empty favicon (`<link rel="icon" href="data:,">`), which keeps browsers from asking for
 *   /favicon.ico.
 * `connect-src 'self'` covers the socket.io websocket (same host, ws: or wss:) and the .wasm fetches; workers are
 * module scripts from /assets (`worker-src 'self'`).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * Vite's dev server (`npm run dev`) injects CSS as `<style>` elements and connects its HMR websocket on a port of its
 * own (24678), so the dev policy allows inline style and websockets to any host; script stays as strict.
 */
const devContentSecurityPolicy = contentSecurityPolicy
  .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
  .replace("connect-src 'self'", "connect-src 'self' ws: wss:")

/**
 * Headers every coordinator response carries (pages, assets, API, 404 and 503 pages), set before any handler runs.
 * Reference set: helmet's defaults and OWASP's secure headers project.
 */
export function applySecurityHeaders(res: ServerResponse, options: { readonly dev: boolean }): void {
  res.setHeader('content-security-policy', options.dev ? devContentSecurityPolicy : contentSecurityPolicy)
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('referrer-policy', 'no-referrer')
  res.setHeader('x-frame-options', 'DENY')
  res.setHeader('cross-origin-opener-policy', 'same-origin')
}
