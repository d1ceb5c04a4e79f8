import type { ServerResponse } from 'node:http'

/**
 * Headers every coordinator response carries (pages, API, errors). The built app runs without inline script, so
 * the policy forbids it; Vite's dev server injects inline script and connects its HMR socket, so `dev` relaxes
 * script-src for it. Reference set: helmet's defaults and OWASP's secure headers project.
 */
export function applySecurityHeaders(res: ServerResponse, options: { readonly dev: boolean }): void {
  const script = options.dev ? "'self' 'unsafe-inline' 'wasm-unsafe-eval'" : "'self' 'wasm-unsafe-eval'"
  res.setHeader(
    'content-security-policy',
    [
      "default-src 'self'",
      `script-src ${script}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      "worker-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  )
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('referrer-policy', 'no-referrer')
  res.setHeader('x-frame-options', 'DENY')
  res.setHeader('cross-origin-opener-policy', 'same-origin')
}
