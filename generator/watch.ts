// `kefgen build --watch`: rebuild whenever a .kef file of the project, a schema file it names, or its config changes.
// Watches the directories that hold the inputs (not the files themselves), so a save by rename, a schema file that
// is deleted and written again, or one that does not exist yet are all seen. Never stops on errors: a failed build
// prints its diagnostics and the next change builds again.
import fs from "node:fs";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { hasErrors } from "./diagnostics.js";
import type { CommandIo } from "./cli/output.js";
import type { EmitCache } from "./generated.js";
import { build, type BuildOptions, type BuildResult } from "./program.js";
import { displayPath } from "./load.js";

export interface WatchLoopOptions {
  /**
   * Runs one build. `changed` lists the inputs that changed since the last one (empty for the first).
   * Returns the absolute paths of every file the build depends on, whether or not it exists.
   */
  readonly run: (changed: readonly string[]) => Promise<readonly string[]>;
  /** Stops the loop; the promise `watchLoop` returned resolves once the watcher is closed. */
  readonly signal: AbortSignal;
  /** Quiet time after the last change before rebuilding, so a burst of writes gives one build. Default 100 ms. */
  readonly debounceMs?: number;
  /** A build that threw, or a watcher error. The loop keeps going. */
  readonly onError: (error: unknown) => void;
  /** After each build, once its inputs are watched. */
  readonly onWatching?: (files: readonly string[]) => void;
}

/** Builds, then rebuilds on every change of an input until `signal` aborts. */
export async function watchLoop(options: WatchLoopOptions): Promise<void> {
  const debounceMs = options.debounceMs ?? 100;
  const files = new Set<string>();
  /** The directories the inputs are in, whether they exist or not. */
  const wanted = new Set<string>();
  /** What is watched: each wanted directory, or its nearest existing ancestor until it exists. */
  const dirs = new Set<string>();
  const onTheWay = (p: string): boolean => [...wanted].some((d) => d === p || d.startsWith(p + path.sep));
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const changed = new Set<string>();

  const watchInputs = async (inputs: readonly string[]): Promise<void> => {
    files.clear();
    for (const f of inputs) files.add(path.resolve(f));
    wanted.clear();
    for (const f of files) wanted.add(path.dirname(f));
    const next = new Set([...wanted].map(existingAncestor));
    if (!watcher) {
      for (const d of next) dirs.add(d);
      watcher = watch([...dirs], {
        ignoreInitial: true,
        depth: 0,
        // Only the inputs and the directories leading to them: a project root's other files are never watched.
        ignored: (p) => {
          const absolute = path.resolve(p);
          return !dirs.has(absolute) && !files.has(absolute) && !onTheWay(absolute);
        },
      });
      watcher.on("all", (event, p) => onEvent(event, p));
      watcher.on("error", (error) => options.onError(error));
      await new Promise<void>((resolve) => watcher!.once("ready", () => resolve()));
    } else {
      const added = [...next].filter((d) => !dirs.has(d));
      const removed = [...dirs].filter((d) => !next.has(d));
      for (const d of added) dirs.add(d);
      if (added.length > 0) watcher.add(added);
      if (removed.length > 0) {
        watcher.unwatch(removed);
        for (const d of removed) dirs.delete(d);
      }
    }
    options.onWatching?.([...files].sort());
  };

  const buildOnce = async (): Promise<void> => {
    const list = [...changed].sort();
    changed.clear();
    try {
      await watchInputs(await options.run(list));
    } catch (error) {
      options.onError(error);
    }
  };

  const trigger = (): void => {
    timer = undefined;
    if (options.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = buildOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule();
      }
    });
  };

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(trigger, debounceMs);
  };

  function onEvent(event: string, p: string): void {
    const absolute = path.resolve(p);
    // A directory on the way to a missing input appeared: build again, which also watches it from now on.
    if (!files.has(absolute) && !(event === "addDir" && onTheWay(absolute))) return;
    changed.add(absolute);
    schedule();
  }

  const stopped = new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  running = buildOnce().finally(() => (running = undefined));
  await stopped;
  if (timer) clearTimeout(timer);
  await running;
  await watcher?.close();
}

/** The directory itself when it exists, else its nearest existing ancestor. */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** What a build depends on: its .kef files and every schema file it read or looked for (one that is not there yet too). */
function buildInputs(result: Pick<BuildResult, "kefFiles" | "schemaFiles">): string[] {
  return [...new Set([...result.kefFiles, ...result.schemaFiles].map((f) => path.resolve(f)))].sort();
}

export interface WatchBuildOptions {
  readonly build: BuildOptions;
  /** More files to watch, absolute: the project's config file. */
  readonly alsoWatch?: readonly string[];
  readonly signal: AbortSignal;
  readonly debounceMs?: number;
  /** Prints one build's outcome (diagnostics, or what was written). */
  readonly onResult: (result: BuildResult) => void;
  /** Progress lines: what changed, what is watched. */
  readonly onStatus: (line: string) => void;
  readonly onError: (error: unknown) => void;
}

/** `kefgen build --watch`: builds, then rebuilds on every change until `signal` aborts. */
async function watchBuild(options: WatchBuildOptions): Promise<void> {
  const { cwd } = options.build;
  const shown = (p: string) => displayPath(cwd, p);
  let watched = "";
  // What the builds of this watch have printed and formatted: a rebuild formats only the statements that changed.
  const emitCache: EmitCache = new Map();
  await watchLoop({
    signal: options.signal,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    onError: options.onError,
    run: async (changed) => {
      if (changed.length > 0) options.onStatus(`changed: ${changed.map(shown).join(", ")}; building`);
      const result = await build({ ...options.build, emitCache });
      options.onResult(result);
      return [...buildInputs(result), ...(options.alsoWatch ?? [])];
    },
    onWatching: (files) => {
      const list = files.map(shown).join(", ");
      if (list !== watched) options.onStatus(`watching ${list} (Ctrl-C to stop)`);
      watched = list;
    },
  });
}

/**
 * The `--watch` mode of `kefgen build`: builds, prints each build's diagnostics (through `report`) or what it
 * wrote, and keeps watching until Ctrl-C (SIGINT), SIGTERM or `io.signal`. Returns the exit code: 0.
 */
export async function watchCommand(
  io: CommandIo & { readonly signal?: AbortSignal | undefined },
  build: BuildOptions,
  options: {
    readonly alsoWatch?: readonly string[];
    readonly format: "text" | "json";
    readonly report: (result: BuildResult) => void;
    readonly debounceMs?: number;
  },
): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (io.signal?.aborted) stop();
  io.signal?.addEventListener("abort", stop, { once: true });
  try {
    await watchBuild({
      build,
      signal: controller.signal,
      ...(options.alsoWatch ? { alsoWatch: options.alsoWatch } : {}),
      ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
      onStatus: (line) => io.stderr.write(`${line}\n`),
      onError: (error) => io.stderr.write(`kefgen: internal error: ${(error as Error).stack ?? String(error)}\n`),
      onResult: (result) => {
        options.report(result);
        if (options.format !== "text" || !result.plan || hasErrors(result.diagnostics)) return;
        const out = displayPath(io.cwd, result.outDir);
        const written = [...result.plan.changed.map((f) => f.name), ...result.plan.obsolete];
        io.stdout.write(
          written.length === 0
            ? `${out} is up to date (${result.files.length} files)\n`
            : `wrote ${out}: ${written.join(", ")}\n`,
        );
      },
    });
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    io.signal?.removeEventListener("abort", stop);
  }
  return 0;
}
