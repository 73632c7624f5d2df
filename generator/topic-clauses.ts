// The clauses after a topic's message type: its key type and whether tombstones reach the handler.
//
//   topic "orders" : OrderPlaced key string            key string | bytes | none | <Message>
//   topic "users"  : User key UserId tombstones        a message key is framed like the value (the topic's format)
//
// `key`, `tombstones` and the built-in key types are contextual words (the parser takes any word here), so they
// remain usable as names elsewhere; a word that is neither is reported here.
import type { Name, TopicClause, TopicDecl } from "../grammar/ast.js";
import { messages, notes } from "./catalogue.js";
import { didYouMean, related } from "./diagnostics.js";
import type { MessageModel, TopicKeyModel } from "./model.js";
import type { FileReporter } from "./reporter.js";

/** The key types that are not messages (a message of one of these names is shadowed: KEF2072). */
export const builtinKeyTypes = ["string", "bytes", "none"] as const;

/** What the clauses of one topic say. */
export interface TopicClauses {
  readonly key?: TopicKeyModel;
  readonly tombstones?: true;
}

/**
 * Checks the clauses of `decl`. `resolveMessage` resolves (and reports an unknown) message name like the topic's
 * own message type; `messageNames` are the declared messages, for the warning about a message a built-in hides.
 */
export function topicClauses(
  c: FileReporter,
  decl: TopicDecl,
  resolveMessage: (ref: Name) => MessageModel | undefined,
  messageNames: ReadonlySet<string>,
): TopicClauses {
  const seen = new Map<string, TopicClause>();
  let key: TopicKeyModel | undefined;
  let tombstones: true | undefined;
  let unknownReported = false;
  for (const clause of decl.clauses) {
    if (clause.$type === "UnknownClause") {
      // `kye string` is one mistake: the words after the first unknown one are not reported again.
      if (unknownReported) continue;
      unknownReported = true;
      c.accept(
        messages.unknownTopicClause,
        clause.word.range,
        { word: clause.word.text, topic: decl.topic.value },
        { hint: didYouMean(clause.word.text, ["key", "tombstones"]) },
      );
      continue;
    }
    const word = clause.$type === "KeyClause" ? "key" : "tombstones";
    const first = seen.get(word);
    if (first) {
      c.accept(
        messages.topicClauseTwice,
        clause.range,
        { topic: decl.topic.value, word },
        {
          related: [related(notes.firstSaid, {}, { file: c.source.file, range: first.range })],
        },
      );
      continue;
    }
    seen.set(word, clause);
    if (clause.$type === "TombstonesClause") {
      tombstones = true;
      continue;
    }
    const type = clause.type;
    if (!type) continue; // a syntax error was reported
    const builtin = builtinKeyTypes.find((b) => b === type.text);
    if (builtin) {
      if (messageNames.has(builtin)) {
        c.accept(messages.builtinKeyShadowsMessage, type.range, { key: builtin });
      }
      key = { kind: builtin };
      continue;
    }
    const message = resolveMessage(type);
    if (message) key = { kind: "message", message };
  }
  return { ...(key ? { key } : {}), ...(tombstones ? { tombstones } : {}) };
}
