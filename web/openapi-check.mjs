// Checks an OpenAPI 3.1 document with validators that owe nothing to the
// Go code that wrote it: @apidevtools/swagger-parser validates the
// document against the OpenAPI 3.1 schema and resolves every $ref; ajv
// (JSON Schema 2020-12, the dialect of OpenAPI 3.1) validates every
// example of the document against the schema beside it.
//
//   node web/openapi-check.mjs openapi.json
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { readFile } from "node:fs/promises";

const file = process.argv[2];
if (!file) {
  console.error("usage: node web/openapi-check.mjs openapi.json");
  process.exit(2);
}
const doc = JSON.parse(await readFile(file, "utf8"));
if (!String(doc.openapi).startsWith("3.1")) {
  console.error(`openapi is ${doc.openapi}, want 3.1.x`);
  process.exit(1);
}

// The document: its structure against the OpenAPI 3.1 schema, every $ref.
await SwaggerParser.validate(structuredClone(doc));

// The examples: each against its schema. Refs into the document's
// components resolve against the document, added once under an id.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// Formats of Kubernetes types that JSON Schema does not define: annotations.
for (const f of ["int-or-string", "quantity"]) ajv.addFormat(f, true);
ajv.addSchema({ $id: "openapi.json", components: doc.components });
const resolved = (schema) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));

let examples = 0;
let failures = 0;
function check(where, schema, example) {
  examples++;
  const validate = ajv.compile(resolved(schema));
  if (!validate(example)) {
    failures++;
    console.error(`${where}: the example does not validate:`);
    for (const e of validate.errors) console.error(`  ${e.instancePath || "/"} ${e.message} (${e.schemaPath})`);
  }
}
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  for (const [method, op] of Object.entries(item)) {
    const media = [
      ...Object.entries(op.requestBody?.content ?? {}).map(([t, m]) => [`request ${t}`, m]),
      ...Object.entries(op.responses ?? {}).flatMap(([code, r]) =>
        Object.entries(r.content ?? {}).map(([t, m]) => [`response ${code} ${t}`, m])),
    ];
    for (const [what, m] of media) {
      const where = `${method.toUpperCase()} ${path} ${what}`;
      if (m.example !== undefined) check(where, m.schema, m.example);
      for (const [name, ex] of Object.entries(m.examples ?? {})) check(`${where} example ${name}`, m.schema, ex.value);
    }
  }
}
for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
  for (const [i, ex] of (schema.examples ?? []).entries()) check(`schema ${name} example ${i}`, schema, ex);
}
const ops = Object.values(doc.paths ?? {}).reduce((n, item) => n + Object.keys(item).length, 0);
console.log(`${file}: OpenAPI ${doc.openapi} valid; ${ops} operations, ${Object.keys(doc.components?.schemas ?? {}).length} schemas; ${examples} examples, ${failures} not valid`);
if (examples === 0) {
  console.error("no examples: nothing was checked against a schema");
  process.exit(1);
}
process.exit(failures === 0 ? 0 : 1);
