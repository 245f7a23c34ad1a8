/**
 * Compact fingerprints of billing lines, to count a line repeated inside one file once (an export or
 * concatenation artifact). A fingerprint is 53 bits (two 32-bit hashes, safe in a double); the set
 * keeps each in 12 bytes (a Float64Array slot and an Int32Array line number), so 1M lines cost ~24 MB
 * at half load, against ~100 MB for a Set of line-id strings. A collision (odds ~5e-5 in 1M lines)
 * would drop a line, which the importer reports with both line numbers.
 */

/** 53-bit fingerprint of bytes [start, end). */
export function fingerprintBytes(bytes: Uint8Array, start: number, end: number): number {
  let a = 0x811c9dc5 | 0;
  let b = end - start;
  for (let index = start; index < end; index++) {
    const byte = bytes[index] as number;
    a = Math.imul(a ^ byte, 0x01000193);
    b = (Math.imul(b, 31) + byte) | 0;
  }
  return fold(a, b);
}

/**
 * Builds a 53-bit fingerprint of several parts (strings or byte ranges), each followed by a
 * separator, without joining them: one builder is reset per line, so nothing is allocated per line.
 */
export class FingerprintBuilder {
  private a = 0;
  private b = 0;

  reset(parts: number): this {
    this.a = 0x811c9dc5 | 0;
    this.b = parts;
    return this;
  }

  text(text: string): this {
    let a = this.a;
    let b = this.b;
    for (let index = 0; index < text.length; index++) {
      const unit = text.charCodeAt(index);
      a = Math.imul(a ^ unit, 0x01000193);
      b = (Math.imul(b, 31) + unit) | 0;
    }
    return this.separate(a, b);
  }

  bytes(bytes: Uint8Array, start: number, end: number): this {
    let a = this.a;
    let b = this.b;
    for (let index = start; index < end; index++) {
      const byte = bytes[index] as number;
      a = Math.imul(a ^ byte, 0x01000193);
      b = (Math.imul(b, 31) + byte) | 0;
    }
    return this.separate(a, b);
  }

  value(): number {
    return fold(this.a, this.b);
  }

  private separate(a: number, b: number): this {
    this.a = Math.imul(a ^ 1, 0x01000193);
    this.b = (Math.imul(b, 31) + 1) | 0;
    return this;
  }
}

const shared = new FingerprintBuilder();

/** 53-bit fingerprint of a string's UTF-16 code units. */
export function fingerprintText(text: string): number {
  return shared.reset(1).text(text).value();
}

/** 53-bit fingerprint of several strings taken as one (a line's id cells), without joining them. */
export function fingerprintTexts(texts: readonly string[]): number {
  shared.reset(texts.length);
  for (const text of texts) shared.text(text);
  return shared.value();
}

function fold(a: number, b: number): number {
  b = Math.imul(b ^ (b >>> 16), 0x45d9f3b);
  b ^= b >>> 13;
  return (a >>> 0) * 2_097_152 + ((b >>> 0) & 0x1fffff);
}

/** Open-addressing set of fingerprints with the line each was first seen on. */
export class SeenLines {
  private keys = new Float64Array(1 << 12).fill(-1);
  private lines = new Int32Array(1 << 12);
  private count = 0;

  /** Records `fingerprint` on `line`; returns the earlier line it was first seen on, if any. */
  firstLineOf(fingerprint: number, line: number): number | undefined {
    if (this.count * 2 >= this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let slot = (fingerprint % 4_294_967_296) & mask;
    for (;;) {
      const key = this.keys[slot] as number;
      if (key === -1) {
        this.keys[slot] = fingerprint;
        this.lines[slot] = line;
        this.count++;
        return undefined;
      }
      if (key === fingerprint) return this.lines[slot];
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const keys = this.keys;
    const lines = this.lines;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.lines = new Int32Array(keys.length * 2);
    this.count = 0;
    for (let slot = 0; slot < keys.length; slot++) {
      if ((keys[slot] as number) !== -1)
        this.firstLineOf(keys[slot] as number, lines[slot] as number);
    }
  }
}
