// The catalogue's message templates: placeholders are typed at the call site and filled at run time.
import { describe, expect, it } from "vitest";
import { type MessageArgs, type MessageDef } from "../../generator/catalogue.js";
import { diagnostic, placeholders } from "../../generator/diagnostics.js";

const at = {
  file: "shop.kef",
  range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 4, offset: 3 } },
};

describe("catalogue templates", () => {
  it("fills each {name} from the arguments and keeps braces around anything else as text", () => {
    const entry = {
      code: "KEF2008",
      severity: "error",
      text: '"{name}" cannot be set {where}',
      hint: "write it in a block: topic { producer { {name} = ... } }",
    } as const satisfies MessageDef;
    const d = diagnostic(entry, { name: "acks", where: "on a connection" }, at);
    expect(d).toMatchObject({ code: "KEF2008", severity: "error", message: '"acks" cannot be set on a connection' });
    expect(d.hint).toBe("write it in a block: topic { producer { acks = ... } }");
    expect(placeholders(entry.text)).toEqual(["name", "where"]);
    expect(placeholders(entry.hint)).toEqual(["name"]);
  });

  it("takes the severity from the entry and lets the call site replace the hint", () => {
    const entry = {
      code: "KEF2016",
      severity: "warning",
      text: 'connection "{name}" has no topics',
      hint: "remove it",
    } as const satisfies MessageDef;
    const d = diagnostic(entry, { name: "slow" }, { ...at, hint: 'did you mean "slow2"?' });
    expect(d.severity).toBe("warning");
    expect(d.hint).toBe('did you mean "slow2"?');
  });

  it("requires every placeholder at compile time and refuses a missing one at run time", () => {
    const entry = {
      code: "KEF2002",
      severity: "error",
      text: 'unknown connection "{name}" in {file}',
    } as const satisfies MessageDef;
    const args: MessageArgs<typeof entry> = { name: "critcal", file: "a.kef" };
    expect(diagnostic(entry, args, at).message).toBe('unknown connection "critcal" in a.kef');
    // @ts-expect-error: {file} has no argument
    expect(() => diagnostic(entry, { name: "critcal" }, at)).toThrow(/no value for \{file\}/);
  });
});
