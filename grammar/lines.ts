// What ends a line in a .kef or .avsc text, for the lexer's positions and for the code frames diagnostics print:
// "\r\n", a lone "\r" (old Mac files) and "\n". U+2028 and U+2029 do not end lines: JSON allows them raw inside
// strings, and a string never spans lines.

/** One line break. Global, as chevrotain's `lineTerminatorsPattern` needs (it scans with `lastIndex`). */
export const lineBreakPattern = /\r\n?|\n/g;

/** The characters a line break can start with (chevrotain's `lineTerminatorCharacters`). */
export const lineBreakCharacters: readonly string[] = ["\n", "\r"];

/** The text's lines, without their line breaks. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n?|\n/);
}

/** Where the first line break in `text` starts, or -1. */
export function firstLineBreak(text: string): number {
  return text.search(/[\r\n]/);
}

/** True when `text` holds a line break. */
export function hasLineBreak(text: string): boolean {
  return /[\r\n]/.test(text);
}

/** Line and column (1-based) just past the last character of `text`. */
export function endPosition(text: string): { line: number; column: number } {
  const lines = splitLines(text);
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** How many line breaks `text` holds ("\r\n" is one). */
export function countLineBreaks(text: string): number {
  return text.match(lineBreakPattern)?.length ?? 0;
}
