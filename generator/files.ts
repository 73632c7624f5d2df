// The one place kefgen touches the file system: it reads its inputs (.kef files, schema files, the project config)
// and writes files (the generated output through generator/write.ts, `kefgen fmt` and `kefgen graph --out`), and it
// turns an errno into what went wrong in one function (`fileProblem`). The rules it reads by:
//   - a schema file must lie inside the project root, or inside a directory the config lists in "allowOutside";
//     symbolic links count by where they lead (the real path of the file against the real path of the root);
//   - only regular files are read: a FIFO, a device or a socket is refused before it is opened, and the opened
//     file is checked again (opened non-blocking, so a FIFO swapped in meanwhile cannot block);
//   - at most `maxInputFileBytes` are read: the size is checked before reading, and at most one byte more is read.
// A refused file is never read, so nothing of its content can reach a diagnostic.
// Writes are atomic: a new file is written and flushed next to its target, then renamed over it.
import fs from "node:fs";
import path from "node:path";
import { messages, problem, type Problem } from "./catalogue.js";
import { diagnostic, startOfFile, type Diagnostic } from "./diagnostics.js";

/** The largest .kef, .avsc or config file kefgen reads: 4 MiB. */
export const maxInputFileBytes = 4 * 1024 * 1024;

/** Where a file may be read from, and how much of it. */
export interface FileAccess {
  /** Directories (absolute) the file must be inside of; `undefined`: anywhere (files named on the command line or in the config). */
  readonly roots?: readonly string[] | undefined;
  /** Default `maxInputFileBytes`. */
  readonly maxBytes?: number;
}

/** Why a file was not read. */
export type FileProblem =
  | { readonly kind: "missing" }
  | { readonly kind: "outside"; readonly realPath: string | undefined; readonly root: string }
  | { readonly kind: "not-a-file"; readonly what: string }
  | { readonly kind: "too-large"; readonly limit: number }
  | { readonly kind: "unreadable"; readonly reason: string };

/** A file kefgen refused or failed to read: what a reader returns instead of its text. */
export interface FileRefusal {
  readonly refused: FileProblem;
}

/** What `readProjectFile` returns: the text, or why it was not read. */
export type FileRead = { readonly text: string } | FileRefusal;

/** `inner` is `outer` or inside it (both absolute and normalised). */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function realPathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function describeKind(stat: fs.Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** What a failed file-system call means, from its errno code. */
function fileProblem(error: unknown): FileProblem {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
  if (code === "EISDIR") return { kind: "not-a-file", what: "a directory" };
  if (code === "EACCES" || code === "EPERM") return { kind: "unreadable", reason: "permission denied" };
  if (code === "ELOOP") return { kind: "unreadable", reason: "too many levels of symbolic links" };
  return { kind: "unreadable", reason: code ?? (error as Error).message };
}

/**
 * Reads a UTF-8 text file under kefgen's rules (see the top of this file). Returns its text, or why it was not
 * read; never throws for a problem of the file. With `roots`, the file opened is the real path that was checked,
 * not followed again (O_NOFOLLOW): a link swapped in after the check is not read.
 */
export function readProjectFile(absolutePath: string, access: FileAccess = {}): FileRead {
  const limit = access.maxBytes ?? maxInputFileBytes;
  const wanted = path.resolve(absolutePath);
  if (access.roots) {
    // Written outside every root: refused without looking at the file, so not even its existence is revealed.
    const roots = access.roots.map((r) => path.resolve(r));
    const realRoots = roots.map(realPathOrSelf);
    if (![...roots, ...realRoots].some((r) => isInside(wanted, r)))
      return { refused: { kind: "outside", realPath: undefined, root: roots[0]! } };
    let real: string;
    try {
      real = fs.realpathSync(wanted);
    } catch (error) {
      return { refused: fileProblem(error) };
    }
    // Inside as written, but a symbolic link on the way leads out.
    if (!realRoots.some((r) => isInside(real, r)))
      return { refused: { kind: "outside", realPath: real, root: roots[0]! } };
    return readRegularFile(real, limit, fs.constants.O_NOFOLLOW ?? 0);
  }
  return readRegularFile(wanted, limit, 0);
}

/** Reads a regular file of at most `limit` bytes; `flags` are added to the open flags. */
function readRegularFile(file: string, limit: number, flags: number): FileRead {
  let fd: number | undefined;
  try {
    const before = fs.statSync(file);
    const kind = describeKind(before);
    if (kind) return { refused: { kind: "not-a-file", what: kind } };
    if (before.size > limit) return { refused: { kind: "too-large", limit } };
    // Non-blocking: if the path became a FIFO since the stat, opening it does not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | flags);
    const opened = fs.fstatSync(fd);
    const openedKind = describeKind(opened);
    if (openedKind) return { refused: { kind: "not-a-file", what: openedKind } };
    // Read at most limit + 1 bytes whatever the size said: a file may grow meanwhile, and some report size 0.
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    let length = 0;
    while (length <= limit) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, limit + 1 - length), null);
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      length += n;
    }
    if (length > limit) return { refused: { kind: "too-large", limit } };
    return { text: Buffer.concat(chunks, length).toString("utf8") };
  } catch (error) {
    return { refused: fileProblem(error) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** "4 MiB", "100 KiB", "512 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * The message for a file that was not read. `what` names it as the user wrote it (`schema file "x.avsc"`,
 * `"shop.kef"`); `show` turns an absolute path into how diagnostics show paths. The file's content is never used.
 */
export function unreadFileProblem(refused: FileProblem, what: string, show: (absolute: string) => string): Problem {
  switch (refused.kind) {
    case "missing":
      return problem(messages.cannotRead, { what, reason: "no such file" });
    case "outside": {
      const root = show(refused.root) || ".";
      if (refused.realPath === undefined) return problem(messages.outsideRoot, { what, root });
      return problem(messages.leadsOutsideRoot, { what, root, realPath: show(refused.realPath) });
    }
    case "not-a-file":
      return problem(messages.notRegularFile, { what, kind: refused.what });
    case "too-large":
      return problem(messages.fileTooLarge, { what, limit: formatBytes(refused.limit) });
    case "unreadable":
      return problem(messages.cannotRead, { what, reason: refused.reason });
  }
}

/** The diagnostic for a .kef file (or another input named by the user) that was not read: at the file itself. */
export function inputFileDiagnostic(refused: FileProblem, shown: string): Diagnostic {
  const { entry, args } = unreadFileProblem(refused, `"${shown}"`, (p) => p);
  return diagnostic(entry, args, { file: shown, range: startOfFile });
}

// ---------------------------------------------------------------------------------------------
// Listing and writing

/** The names in a directory; none when it does not exist (or is not a directory). Other errors are thrown. */
export function listDirectory(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    if (fileProblem(error).kind === "missing") return [];
    throw error;
  }
}

/**
 * Creates `dir` and the parents it lacks, one level at a time. Node's own `mkdirSync(dir, { recursive: true })` spins
 * forever at full CPU when creating a child of an existing directory fails with ENOENT, as under /proc (Node 20, 22
 * and 24): here that failure is thrown, as any other.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      // Made meanwhile (another build), or a dangling link: the next level, or the caller's write, says which.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** Writes `text` to a new file and flushes it to disk, so a rename of it never publishes a partial file. */
export function writeFlushed(file: string, text: string, mode?: number): void {
  const fd = fs.openSync(file, "w", mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a directory's entries (the renames); not possible on every platform, and then skipped. */
export function flushDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory for fsync; the rename itself is still atomic.
  }
}

/**
 * Writes `text` to `file` through a hidden temporary file in the same directory (`.<name>.<pid>.kefgen-tmp`) and a
 * rename, keeping the file's mode: a reader sees the old content or the new, never part of it.
 */
export function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.kefgen-tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  try {
    writeFlushed(temp, text, mode);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
