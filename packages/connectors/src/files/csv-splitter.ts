/**
 * Byte-level CSV splitter (RFC 4180): commas, double-quoted fields with doubled quotes inside, LF or
 * CRLF line ends, newlines inside quotes. It works on Buffer chunks, keeps only the unfinished tail of
 * a chunk, and decodes only the columns it was asked for: a 94-column CUR line costs ~15 string
 * allocations. After the last wanted column it jumps to the end of the line with a native search when
 * the rest of the line has no quote. Measured ~3× faster than csv-parse on CUR files (see README).
 */

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number,
  ) {
    super(message);
  }
}

/** Called once per data row with its values (undefined for wanted columns the row lacks). */
export type CsvRowHandler = (row: Record<string, string>, lineNumber: number, missingColumns: number) => void;

type Utf8Buffer = Buffer & { utf8Slice?: (start: number, end: number) => string };

function decode(buffer: Utf8Buffer, start: number, end: number): string {
  if (end <= start) return "";
  return buffer.utf8Slice ? buffer.utf8Slice(start, end) : buffer.toString("utf8", start, end);
}

export class CsvSplitter {
  private header: string[] | undefined;
  /** For each column index: the row key it is stored under, or undefined when not wanted. */
  private wantedNames: (string | undefined)[] = [];
  private lastWantedIndex = -1;
  private wantedCount = 0;
  private pending: Buffer | undefined;
  /** Physical line number (1-based) where the next row starts. */
  private nextLineNumber = 1;
  private firstChunk = true;

  constructor(
    private readonly onRow: CsvRowHandler,
    private readonly selectColumns?: (header: string[]) => readonly string[] | undefined,
  ) {}

  get columns(): string[] | undefined {
    return this.header;
  }

  push(chunk: Buffer): void {
    let buffer = chunk;
    if (this.firstChunk) {
      this.firstChunk = false;
      if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) buffer = buffer.subarray(3);
    }
    if (this.pending && this.pending.length > 0) buffer = Buffer.concat([this.pending, buffer]);
    const consumed = this.split(buffer, false);
    this.pending = consumed < buffer.length ? Buffer.from(buffer.subarray(consumed)) : undefined;
  }

  /** Flush the last row (a file need not end with a newline). */
  end(): void {
    if (this.pending && this.pending.length > 0) {
      const buffer = this.pending;
      this.pending = undefined;
      this.split(buffer, true);
    }
  }

  private setHeader(fields: string[]): void {
    this.header = fields;
    const selected = this.selectColumns?.(fields);
    const wanted = selected ? new Set(selected) : undefined;
    this.wantedNames = fields.map((name) => (wanted === undefined || wanted.has(name) ? name : undefined));
    this.lastWantedIndex = -1;
    this.wantedCount = 0;
    this.wantedNames.forEach((name, index) => {
      if (name !== undefined) {
        this.lastWantedIndex = index;
        this.wantedCount++;
      }
    });
  }

  /** Splits complete rows out of `buffer`; returns how many bytes were consumed. */
  private split(buffer: Utf8Buffer, atEnd: boolean): number {
    const length = buffer.length;
    let rowStart = 0;
    // Position of the next quote at or after the current row; -2 = not searched yet in this buffer.
    let nextQuote = -2;

    while (rowStart < length) {
      const isHeader = this.header === undefined;
      const fields: string[] | undefined = isHeader ? [] : undefined;
      const row: Record<string, string> = {};
      const wantedNames = this.wantedNames;
      const lastWanted = isHeader ? Number.MAX_SAFE_INTEGER : this.lastWantedIndex;
      let column = 0;
      let position = rowStart;
      let extraLines = 0;
      let complete = false;
      let sawWanted = 0;

      // Skip blank lines between rows.
      if (buffer[position] === LF || (buffer[position] === CR && buffer[position + 1] === LF)) {
        const next = buffer[position] === LF ? position + 1 : position + 2;
        if (next > length) break;
        rowStart = next;
        this.nextLineNumber++;
        continue;
      }

      for (;;) {
        let value: string | undefined;
        const wantedName = isHeader ? undefined : wantedNames[column];
        const wanted = isHeader || wantedName !== undefined;
        if (position >= length) {
          if (!atEnd) break;
          // Row ends at EOF right after a comma: empty last field.
          if (wanted) value = "";
        } else if (buffer[position] === QUOTE) {
          let close = position + 1;
          let escaped = false;
          for (;;) {
            close = buffer.indexOf(QUOTE, close);
            if (close === -1) break;
            if (close + 1 < length && buffer[close + 1] === QUOTE) {
              escaped = true;
              close += 2;
              continue;
            }
            if (close + 1 >= length && !atEnd) close = -1; // cannot tell yet whether a quote follows
            break;
          }
          if (close === -1) {
            if (atEnd) {
              throw new CsvFormatError(`unterminated quoted field starting on line ${this.nextLineNumber + extraLines}`, this.nextLineNumber);
            }
            break; // wait for more data
          }
          for (let newline = buffer.indexOf(LF, position + 1); newline !== -1 && newline < close; newline = buffer.indexOf(LF, newline + 1)) {
            extraLines++;
          }
          if (wanted) {
            value = decode(buffer, position + 1, close);
            if (escaped) value = value.replaceAll('""', '"');
          }
          position = close + 1;
          // Tolerate stray bytes between a closing quote and the delimiter (`"a"b,`): skip them.
          while (position < length) {
            const byte = buffer[position];
            if (byte === COMMA || byte === LF || byte === CR) break;
            position++;
          }
        } else {
          let end = position;
          while (end < length) {
            const byte = buffer[end];
            if (byte === COMMA || byte === LF || byte === CR) break;
            end++;
          }
          if (end >= length && !atEnd) break;
          if (wanted) value = decode(buffer, position, end);
          position = end;
        }

        if (value !== undefined) {
          if (fields) fields.push(value);
          else if (wantedName !== undefined) {
            row[wantedName] = value;
            sawWanted++;
          }
        }

        if (position >= length) {
          if (!atEnd) break;
          complete = true;
          break;
        }
        const delimiter = buffer[position];
        if (delimiter === COMMA) {
          position++;
          column++;
          if (column > lastWanted) {
            // Nothing more to decode on this row: jump to its end if no quote can hide a newline.
            const lineEnd = buffer.indexOf(LF, position);
            if (nextQuote !== -1 && nextQuote < position) nextQuote = buffer.indexOf(QUOTE, position);
            if (lineEnd === -1) {
              if (!atEnd) break;
              if (nextQuote === -1) {
                position = length;
                complete = true;
                break;
              }
            } else if (nextQuote === -1 || nextQuote > lineEnd) {
              position = lineEnd + 1;
              complete = true;
              break;
            }
          }
          continue;
        }
        if (delimiter === CR) {
          if (position + 1 >= length && !atEnd) break;
          position += buffer[position + 1] === LF ? 2 : 1;
        } else {
          position++; // LF
        }
        complete = true;
        break;
      }

      if (!complete) break;
      const lineNumber = this.nextLineNumber;
      this.nextLineNumber += 1 + extraLines;
      rowStart = position;
      if (fields) {
        this.setHeader(fields);
      } else {
        this.onRow(row, lineNumber, this.wantedCount - sawWanted);
      }
    }
    return rowStart;
  }
}
