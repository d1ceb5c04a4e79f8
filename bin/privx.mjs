#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx privx <mode>` works from a checkout.
import { register } from 'tsx/esm/api'

register()
await import('../cli/privx.ts')
