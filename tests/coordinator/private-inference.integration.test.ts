import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClientSocket } from '../../client/session/federated-session'
import { plaintextPrediction, predictPrivately } from '../../client/session/private-inference'
import type { Coordinator } from '../../coordinator/server'
import { SIGMOID_APPROXIMATIONS } from '../../shared/he/sigmoid'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { startTestCoordinator } from '../helpers/coordinator'

let coordinator: Coordinator | null = null
let socket: ClientSocket | null = null

afterEach(async () => {
  socket?.disconnect()
  await coordinator?.close()
})

describe('private inference over real sockets', () => {
  it('the coordinator predicts on encrypted features; the tab decrypts what the plaintext polynomial gives', async () => {
    coordinator = await startTestCoordinator({
      tasks: [diabetesDemoTask('logistic', 5), { ...diabetesDemoTask('mlp', 6), id: 'demo-mlp' }],
    })
    socket = io(coordinator.url, { transports: ['websocket'] }) as ClientSocket
    const task = coordinator.tasks.entries().find((e) => e.task.model.kind === 'logistic')!
    const features = Array.from({ length: task.task.model.inputs }, (_, i) => ((i % 5) - 2) / 2)
    const prediction = await predictPrivately(socket, task.task.id, features)
    const plain = plaintextPrediction(task.federation.global.weights, features, prediction.sigmoid)
    expect(prediction.modelVersion).toBe(task.federation.global.version)
    expect(Math.abs(prediction.encrypted - plain.polynomial)).toBeLessThan(1e-3)
    expect(Math.abs(prediction.encrypted - plain.exact)).toBeLessThan(
      SIGMOID_APPROXIMATIONS['cubic-8'].maxError,
    )
    expect(prediction.bytesSent).toBeGreaterThan(100_000)

    const mlp = coordinator.tasks.entries().find((e) => e.task.model.kind === 'mlp')!
    await expect(predictPrivately(socket, mlp.task.id, features)).rejects.toThrow(/logistic-regression tasks/)
    await expect(predictPrivately(socket, task.task.id, features.slice(1))).rejects.toThrow(
      /reads \d+ features/,
    )
  })
})
