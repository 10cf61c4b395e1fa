import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';

/** A private key as {@link LmdbAuditOptions} takes it: a KeyObject or its PEM text. */
export type AuditPrivateKey = KeyObject | string;

/** An Ed25519 key pair as PEM text (PKCS#8 private, SPKI public). */
export interface AuditKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** A fresh Ed25519 key pair. */
export function generateAuditKeyPair(): AuditKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** The Ed25519 private key; throws SluiceError (CONFIG) for anything else. */
export function toPrivateKey(key: AuditPrivateKey): KeyObject {
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `audit: not a private key in PEM: ${errorMessage(error)}`);
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new SluiceError(ErrorCode.Config, 'audit: the key must be an Ed25519 private key (see sluice keygen)');
  }
  return object;
}

/** Reads an Ed25519 public key from a PEM file (a private key file gives its public half). */
export function readPublicKey(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `audit: cannot read key file ${file}: ${errorMessage(error)}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `audit: ${file} holds no public key in PEM: ${errorMessage(error)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SluiceError(ErrorCode.Config, `audit: ${file} is not an Ed25519 key`);
  }
  return key;
}

/** Reads an Ed25519 private key from a PEM file. */
export function readPrivateKey(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `audit: cannot read key file ${file}: ${errorMessage(error)}`);
  }
  return toPrivateKey(text);
}

/** Ed25519 signature of `message`. */
export function signMessage(key: KeyObject, message: Uint8Array): Buffer {
  return sign(null, message, key);
}

/** Whether `signature` is `key`'s Ed25519 signature of `message`. */
export function verifySignature(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
