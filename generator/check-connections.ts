// The checks of a connection once its topics are known (part of the check stage, check.ts): its group id, present
// and its own, and its session timeout and heartbeat interval, against each other and the broker's bounds.
import type { Range } from "../grammar/ast.js";
import { messages, notes } from "./catalogue.js";
import { related } from "./diagnostics.js";
import type { CheckedTopic } from "./check.js";
import type { CheckedSettings, Value } from "./check-settings.js";
import type { Reporter } from "./reporter.js";

/** A node and the file it was written in. */
interface Located<T> {
  readonly node: T;
  readonly file: string;
}

/** A connection while its topics are checked: the shared one, a declared one, or a topic's own exclusive consumer. */
export interface ConnectionDraft {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  /** A declared connection (`connection name exclusive { }`), not the shared one or a topic's own. */
  readonly declared: boolean;
  /** Where to point diagnostics about the connection as a whole. */
  readonly at: Located<{ range: Range }>;
  readonly own: CheckedSettings;
  readonly topics: CheckedTopic[];
}

/** A connection's group id: present, and not another connection's; undefined when missing (reported unless written badly). */
export function checkGroupId(
  c: Reporter,
  draft: ConnectionDraft,
  groupIds: Map<string, ConnectionDraft>,
): string | undefined {
  const groupIdAt = draft.own.values.get("groupId");
  const groupId = groupIdAt?.value as string | undefined;
  if (groupId === undefined && !draft.own.written?.has("groupId")) {
    const firstTopic = draft.kind === "shared" ? draft.topics[0]!.declared : undefined;
    const range = firstTopic ? firstTopic.node.range : draft.at.node.range;
    const file = firstTopic ? firstTopic.source.file : draft.at.file;
    if (draft.kind === "shared") c.accept(messages.sharedWithoutGroupId, range, {}, { file });
    else if (!draft.declared)
      c.accept(
        messages.exclusiveConsumerWithoutGroupId,
        range,
        { topic: draft.topics[0]!.declared.node.topic.value },
        { file },
      );
    else c.accept(messages.connectionWithoutGroupId, range, { name: draft.name }, { file });
  } else if (groupId !== undefined) {
    const other = groupIds.get(groupId);
    if (other) {
      const entry = other.kind === "shared" ? messages.groupIdOfShared : messages.groupIdOfConnection;
      c.accept(
        entry,
        groupIdAt!.range,
        { groupId, other: other.name },
        {
          file: draft.own.file ?? draft.at.file,
          related: [
            related(
              notes.usedHere,
              {},
              { file: other.own.file ?? other.at.file, range: other.own.values.get("groupId")!.range },
            ),
          ],
        },
      );
    }
    groupIds.set(groupId, draft);
  }
  return groupId;
}

/** The session timeout and heartbeat interval a connection ends up with, against each other and the broker's bounds. */
export function checkTiming(
  c: Reporter,
  draft: ConnectionDraft,
  shared: CheckedSettings,
  values: ReadonlyMap<string, Value>,
): void {
  const session = values.get("sessionTimeoutMs") as number;
  const heartbeat = values.get("heartbeatIntervalMs") as number;
  /** Where `name` was written: the connection's own block, else the shared one, else (a default) the connection. */
  const writtenAt = (name: string): { range: Range; file: string } => {
    const own = draft.own.values.get(name);
    const file = (own ? draft.own.file : shared.file) ?? draft.at.file;
    return { range: (own ?? shared.values.get(name))?.range ?? draft.at.node.range, file };
  };
  if (heartbeat >= session) {
    const own = draft.own.values.get("heartbeatIntervalMs") ?? draft.own.values.get("sessionTimeoutMs");
    const at = own ?? shared.values.get("heartbeatIntervalMs") ?? shared.values.get("sessionTimeoutMs");
    const file = (own ? draft.own.file : shared.file) ?? draft.at.file;
    c.accept(messages.heartbeatNotBelowSession, at?.range ?? draft.at.node.range, { heartbeat, session }, { file });
  }
  if (heartbeat < session && heartbeat * 3 > session) {
    const at =
      draft.own.values.has("heartbeatIntervalMs") || shared.values.has("heartbeatIntervalMs")
        ? writtenAt("heartbeatIntervalMs")
        : writtenAt("sessionTimeoutMs");
    c.accept(
      messages.heartbeatCloseToSession,
      at.range,
      { heartbeat, session, third: Math.floor(session / 3) },
      { file: at.file },
    );
  }
  if (session < 6_000 || session > 1_800_000) {
    const at = writtenAt("sessionTimeoutMs");
    c.accept(messages.sessionTimeoutOutsideBrokerBounds, at.range, { session }, { file: at.file });
  }
}
