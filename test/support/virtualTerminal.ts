/**
 * What a terminal of `columns` columns shows for what is written to it, as far as chronoq's status
 * line needs: printable characters (wrapping at the last column as xterm does: the cursor waits
 * there and the next character starts a new row), `\n` (a new row, at its start: a tty's output
 * turns it into CR LF), `\r`, ESC[2K (clear the row), ESC[J (clear from the cursor to the end of
 * the screen) and ESC[nA (n rows up). The screen grows downwards without limit (no scrolling off).
 */
export const virtualTerminal = (columns: number) => {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pendingWrap = false;
  const newRow = (): void => {
    row++;
    rows[row] ??= [];
    col = 0;
    pendingWrap = false;
  };
  const write = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === '\x1b') {
        const m = /^\x1b\[(\d*)([AJK])/.exec(s.slice(i));
        if (m === null) throw new Error(`unknown escape sequence at ${JSON.stringify(s.slice(i, i + 6))}`);
        i += m[0].length - 1;
        const n = m[1] === '' ? undefined : Number(m[1]);
        if (m[2] === 'A') row = Math.max(0, row - (n ?? 1));
        else if (m[2] === 'K' && n === 2) rows[row] = [];
        else if (m[2] === 'J' && (n ?? 0) === 0) {
          rows[row] = rows[row]!.slice(0, col);
          rows.length = row + 1;
        } else throw new Error(`unsupported escape sequence ${JSON.stringify(m[0])}`);
        pendingWrap = false;
      } else if (ch === '\n') newRow();
      else if (ch === '\r') {
        col = 0;
        pendingWrap = false;
      } else {
        if (pendingWrap) newRow();
        rows[row]![col] = ch;
        if (col === columns - 1) pendingWrap = true;
        else col++;
      }
    }
  };
  /** The rows on screen, trailing empty ones left out. */
  const screen = (): string[] => {
    const text = rows.map((r) => Array.from(r, (c) => c ?? ' ').join('').trimEnd());
    while (text.length > 0 && text.at(-1) === '') text.pop();
    return text;
  };
  return { write, screen };
};
