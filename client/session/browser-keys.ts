import { generateKeyPair, type KeyPair, keyPairFromSecret } from '../../shared/chain/keys'

const STORAGE_KEY = 'privx:account-key'

/**
 * This browser's account key, kept in localStorage so the account survives reloads (tabs of one browser profile
 * share it). Created with the platform CSPRNG on first use.
 */
export function browserKeys(): KeyPair {
  try {
    const stored = localStorage.getItem(STORAGE_KEY)
    if (stored && /^[0-9a-f]{64}$/.test(stored)) return keyPairFromSecret(stored)
    const keys = generateKeyPair()
    localStorage.setItem(STORAGE_KEY, keys.secretKey)
    return keys
  } catch {
    // No storage (a sandboxed frame, say): an account for this page's life only.
    return generateKeyPair()
  }
}
