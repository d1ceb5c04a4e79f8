#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx privx verify` works from a checkout.
import { register } from 'tsx/esm/api'

register()
await import('../coordinator/privx-cli.ts')
