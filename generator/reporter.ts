// Where the front-end stages (bind.ts, check.ts, resolve.ts) put what they find: one list of diagnostics per stage,
// made from catalogue entries (catalogue.ts). A diagnostic names its file: the stage passes the file of the
// declaration it is looking at (a bound declaration knows it, see bind.ts), or reports through `in(source)`, a
// reporter whose diagnostics point into that file. There is no "current file" to set and reset.
import type { Range } from "../grammar/ast.js";
import type { MessageArgs, MessageDef } from "./catalogue.js";
import { diagnostic, type Diagnostic, type RelatedLocation } from "./diagnostics.js";
import type { SourceText } from "./parse.js";

/** What a diagnostic adds to its message: a computed hint (replacing the entry's), related locations. */
export interface Extra {
  readonly hint?: string | undefined;
  readonly related?: RelatedLocation[];
}

/** Reports into one file (`source`) unless `extra.file` names another: what the settings, clause and topic checks take. */
export interface FileReporter {
  readonly source: SourceText;
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra?: Extra & { file?: string }): void;
}

/** Reports a catalogue entry at a place in a file (for checks that span files: layered settings, collisions). */
export interface Accept {
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra: Extra & { file: string }): void;
}

export class Reporter implements Accept {
  readonly diagnostics: Diagnostic[] = [];

  /** Reports `entry` at `range` in `extra.file`, its placeholders filled from `args`. */
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra: Extra & { file: string }): void {
    this.add(diagnostic(entry, args, { file: extra.file, range, hint: extra.hint, related: extra.related }));
  }

  /** Adds one diagnostic, unless the same one is already there (a setting inherited by several connections is checked once per connection). */
  add(d: Diagnostic): void {
    if (
      this.diagnostics.some(
        (x) =>
          x.code === d.code &&
          x.file === d.file &&
          x.range.start.offset === d.range.start.offset &&
          x.message === d.message,
      )
    )
      return;
    this.diagnostics.push(d);
  }

  /** Adds diagnostics made by another step as they are (a schema file's syntax errors, a schema's Avro problems). */
  addAll(ds: readonly Diagnostic[]): void {
    this.diagnostics.push(...ds);
  }

  /** A reporter whose diagnostics point into `source` unless told otherwise. */
  in(source: SourceText): FileReporter {
    return {
      source,
      accept: (entry, range, args, extra = {}) =>
        this.accept(entry, range, args, { ...extra, file: extra.file ?? source.file }),
    };
  }
}
