import type { Namespace } from 'socket.io'
import { configPatchSchema, controlSchema, parsePayload } from '../shared/guards'
import type { Ack, DashboardClientEvents, DashboardServerEvents } from '../shared/protocol'
import { fail, type Result } from '../shared/result'
import type { Federation } from './federation'

export type DashboardNamespace = Namespace<
  DashboardClientEvents,
  DashboardServerEvents,
  Record<string, never>,
  { canControl: boolean }
>

const SNAPSHOT_INTERVAL_MS = 150

/**
 * The live coordinator page. Anyone may watch; starting, pausing, resetting and changing settings need the control
 * token printed at start (sent as `auth.token`). Snapshots are coalesced to at most one per 150 ms.
 */
export function attachDashboardGateway(
  nsp: DashboardNamespace,
  federation: Federation,
  controlToken: string,
): { changed(): void; close(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null

  const publish = (): void => {
    timer = null
    const views = new Map<boolean, ReturnType<Federation['snapshot']>>()
    for (const socket of nsp.sockets.values()) {
      const canControl = socket.data.canControl
      let view = views.get(canControl)
      if (!view) {
        view = federation.snapshot(canControl)
        views.set(canControl, view)
      }
      socket.emit('dashboard:snapshot', view)
    }
  }

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined
    socket.data.canControl = typeof auth?.token === 'string' && auth.token === controlToken
    socket.emit('dashboard:snapshot', federation.snapshot(socket.data.canControl))

    const guarded = <T>(ack: unknown, work: () => Result<T>): void => {
      if (typeof ack !== 'function') return
      const reply = ack as Ack<T>
      if (!socket.data.canControl) {
        reply(
          fail(
            'unauthorized',
            'controls need the coordinator page URL with its token (printed when the coordinator starts)',
          ),
        )
        return
      }
      reply(work())
    }

    socket.on('dashboard:control', (payload, ack) =>
      guarded(ack, () => {
        const request = parsePayload(controlSchema, payload, 'control')
        return request.ok ? federation.control(request.value.action) : request
      }),
    )
    socket.on('dashboard:configure', (payload, ack) =>
      guarded(ack, () => {
        const patch = parsePayload(configPatchSchema, payload, 'settings')
        return patch.ok ? federation.configure(patch.value) : fail('invalid-config', patch.error.message)
      }),
    )
  })

  return {
    changed(): void {
      if (!timer) timer = setTimeout(publish, SNAPSHOT_INTERVAL_MS)
    },
    close(): void {
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}
