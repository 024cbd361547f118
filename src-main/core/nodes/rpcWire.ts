/**
 * The llama.cpp RPC wire format (ggml-rpc.cpp), only the parts Batchdeck speaks: the handshake and the
 * two read-only queries. Little-endian throughout.
 *   request  = cmd:u8, len:u64, payload[len]
 *   reply    = len:u64, payload[len]
 * Shared by the probe and by the test stand-ins, so both sides agree on one definition.
 */

/** Command numbers of `enum rpc_cmd`; HELLO is pinned to 14 by a static_assert upstream. */
export const RPC_CMD = {
  GET_DEVICE_MEMORY: 11,
  HELLO: 14,
  DEVICE_COUNT: 15,
} as const;

/** v4+: HELLO carries the client's connection capabilities (RPC_CONN_CAPS_SIZE = 24 bytes). */
export const RPC_CONN_CAPS_SIZE = 24;
/** v4+ HELLO reply: major, minor, patch, flags/padding, then the server's 24 capability bytes. */
export const HELLO_V4_REPLY_SIZE = 4 + RPC_CONN_CAPS_SIZE;
/** v1-v3 HELLO reply: major, minor, patch. */
export const HELLO_V3_REPLY_SIZE = 3;

export function encodeRequest(cmd: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.alloc(1 + 8 + payload.length);
  frame.writeUInt8(cmd, 0);
  frame.writeBigUInt64LE(BigInt(payload.length), 1);
  frame.set(payload, 9);
  return frame;
}

export function encodeReply(payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(8 + payload.length);
  frame.writeBigUInt64LE(BigInt(payload.length), 0);
  frame.set(payload, 8);
  return frame;
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value, 0);
  return b;
}

/** Device memory as two u64; JavaScript numbers hold byte counts exactly up to 8 PiB. */
export function encodeDeviceMemory(freeBytes: number, totalBytes: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(freeBytes), 0);
  b.writeBigUInt64LE(BigInt(totalBytes), 8);
  return b;
}

export function decodeDeviceMemory(payload: Buffer): { freeBytes: number; totalBytes: number } {
  return { freeBytes: Number(payload.readBigUInt64LE(0)), totalBytes: Number(payload.readBigUInt64LE(8)) };
}

export interface HelloReply {
  major: number;
  minor: number;
  patch: number;
}

export function decodeHello(payload: Buffer): HelloReply {
  return { major: payload.readUInt8(0), minor: payload.readUInt8(1), patch: payload.readUInt8(2) };
}
