/** The `privx` command: `privx verify --data-dir DIR`. (The server itself starts with `npm start`.) */
import { parseArgs } from 'node:util'
import { verifyCommand } from './chain/verify-command'

const usage = `Usage: privx verify [--data-dir DIR]

  verify   check a stored chain (hash links, Merkle roots, signatures, nonces, replayed state roots)
           without starting the coordinator; exit 0 when valid, 1 with the failing block and check when not.
  --data-dir DIR   where the coordinator keeps its chain (default .data)`

const [command, ...rest] = process.argv.slice(2)
const { values } = parseArgs({
  args: rest,
  options: { 'data-dir': { type: 'string', default: '.data' }, help: { type: 'boolean' } },
})
if (command === 'verify' && !values.help) {
  process.exitCode = verifyCommand(values['data-dir'])
} else {
  console.log(usage)
  process.exitCode = command === undefined || values.help || command === 'help' ? 0 : 2
}
