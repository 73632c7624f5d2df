// ts-morph as the emitters and the formatter use it: its structure types, the enums a structure is tagged with and
// the structure printer. Every generator module takes ts-morph from here, not from "ts-morph".
//
// Why a module of its own: ts-morph is a CommonJS package, and an ES `import` of one makes Node scan its source for
// the names it exports (cjs-module-lexer) before running it: on ts-morph's 954 KB that scan cost ~0.1 s CPU of every
// cold build (`node --cpu-prof`), a third of what loading ts-morph costs. `require` runs the package without the
// scan. The types still come from ts-morph's declarations, so nothing is typed by hand.
import { createRequire } from "node:module";

const tsMorph = createRequire(import.meta.url)("ts-morph") as typeof import("ts-morph");

export const { printStructure, StructureKind, VariableDeclarationKind } = tsMorph;

export type { InterfaceDeclarationStructure, StatementStructures, TypeAliasDeclarationStructure } from "ts-morph";
