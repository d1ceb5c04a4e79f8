import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import sirv from 'sirv'

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void

/**
 * Serves the built app (`dist/`). Every unknown path falls back to index.html, which routes itself:
 * `/` is the client tab, `/coordinator` the live page. With no build, explains how to make one.
 */
export function builtApp(distDir: string): RequestHandler {
  if (!existsSync(join(distDir, 'index.html'))) {
    return (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(
        `The Privx client is not built (no ${distDir}/index.html). Run "npm run build", or "npm start".\n`,
      )
    }
  }
  return sirv(distDir, { single: true, etag: true, gzip: false, dev: false })
}

/** Vite in middleware mode, for `npm run dev`: the same origin serves the app with hot reload. */
export async function viteDevApp(root: string): Promise<{ handler: RequestHandler; close(): Promise<void> }> {
  const { createServer } = await import('vite')
  const vite = await createServer({ root, server: { middlewareMode: true }, appType: 'spa' })
  return { handler: (req, res, next) => vite.middlewares(req, res, next), close: () => vite.close() }
}
