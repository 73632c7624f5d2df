// Formats generated TypeScript with prettier, with fixed options so output never depends on a user's config.
import * as prettier from "prettier";

const options: prettier.Options = {
  parser: "typescript",
  printWidth: 110,
  tabWidth: 2,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  endOfLine: "lf",
};

export async function formatTypeScript(text: string): Promise<string> {
  return prettier.format(text, options);
}
