import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { fallback } from '../../shared/crypto/ed25519'
import { fallbackSha256 } from '../../shared/crypto/sha256'
import { useBrowserRig } from '../helpers/browser'

const rig = useBrowserRig({ config: { rounds: 1, minClients: 1, localEpochs: 1 } })

describe("Chromium's WebCrypto, which a tab hashes and signs its update with", () => {
  it('has Ed25519 and SHA-256, giving the same signatures and digests as the pure-JS fallback', async () => {
    const page = await rig.browser.newPage()
    await page.goto(rig.coordinator.clientPageUrl)
    const seed = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 255)
    const message = new Uint8Array(4 * 1024 * 1024 + 5).map((_, i) => (i * 7) & 255)
    const inPage = await page.evaluate(
      async ({ seed, size }) => {
        const bytes = new Uint8Array(size).map((_, i) => (i * 7) & 255)
        const prefix = [
          0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
        ]
        const key = await crypto.subtle.importKey(
          'pkcs8',
          new Uint8Array([...prefix, ...seed]),
          { name: 'Ed25519' },
          false,
          ['sign'],
        )
        const hex = (b: ArrayBuffer) =>
          Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('')
        return {
          signature: hex(await crypto.subtle.sign({ name: 'Ed25519' }, key, bytes)),
          digest: hex(await crypto.subtle.digest('SHA-256', bytes)),
        }
      },
      { seed: [...seed], size: message.length },
    )
    expect(inPage.signature).toBe(bytesToHex(fallback.sign(message, seed)))
    expect(inPage.digest).toBe(bytesToHex(fallbackSha256(message)))
    await page.close()
  })
})
