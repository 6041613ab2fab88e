/** Registered HTTP/2 frame type names by code (RFC 9113 §6, RFC 7838, 8336, 9218). */
export const FRAME_TYPE_NAMES: Record<number, string> = {
  0x0: 'DATA',
  0x1: 'HEADERS',
  0x2: 'PRIORITY',
  0x3: 'RST_STREAM',
  0x4: 'SETTINGS',
  0x5: 'PUSH_PROMISE',
  0x6: 'PING',
  0x7: 'GOAWAY',
  0x8: 'WINDOW_UPDATE',
  0x9: 'CONTINUATION',
  0xa: 'ALTSVC',
  0xc: 'ORIGIN',
  0x10: 'PRIORITY_UPDATE',
};
