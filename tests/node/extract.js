// Calls finx.v1.Extraction/Extract with @grpc/grpc-js and prints the response as JSON.
// Usage: node extract.js HOST:PORT SCHEMA < document.txt
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const protoRoot = path.resolve(__dirname, "..", "..", "proto");
const definition = protoLoader.loadSync("finx/v1/extraction.proto", {
  includeDirs: [protoRoot], keepCase: true, longs: Number, enums: String, defaults: true,
});
const finx = grpc.loadPackageDefinition(definition).finx.v1;
const [target, schema] = process.argv.slice(2);
const text = require("fs").readFileSync(0, "utf8");
const client = new finx.Extraction(target, grpc.credentials.createInsecure());
const deadline = new Date(Date.now() + 300000);
client.Extract({ request_id: "node-1", text, schema_name: schema, options: { max_tokens: 96 } }, { deadline }, (error, response) => {
  if (error) {
    console.error(`${error.code} ${error.details}`);
    process.exit(1);
  }
  console.log(JSON.stringify(response));
});
