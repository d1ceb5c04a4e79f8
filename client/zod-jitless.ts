/**
 * Imported first by each browser entry (main.ts, training/worker.ts), before any schema is built. Zod compiles
 * object parsers with `new Function` where it may, and finds out by calling `new Function('')`: under the page's
 * Content-Security-Policy (no 'unsafe-eval') that probe throws, zod catches it, and the browser still reports a
 * CSP violation. Jitless, zod skips the probe and parses with its eval-free interpreter.
 */
import { z } from 'zod'

z.config({ jitless: true })
