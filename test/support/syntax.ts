// A syntax problem's message as the user reads it: its catalogue entry filled with its arguments.
import { messages, type MessageArgs, type MessageDef } from "../../generator/catalogue.js";
import { diagnostic, startOfFile } from "../../generator/diagnostics.js";
import type { SyntaxProblem } from "../../grammar/parser.js";

export function problemText(p: SyntaxProblem): string {
  const entry: MessageDef = messages[p.message.name];
  return diagnostic(entry, p.message.args as MessageArgs<MessageDef>, { file: "test.kef", range: startOfFile }).message;
}
