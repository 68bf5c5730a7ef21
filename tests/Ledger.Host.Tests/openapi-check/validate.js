// node validate.js FILE: @apidevtools/swagger-parser validates the OpenAPI document in FILE against
// the OpenAPI schema and resolves every $ref. Prints one JSON line; exits 1 when it is not valid.
'use strict';
const SwaggerParser = require('@apidevtools/swagger-parser');
const { version } = require('@apidevtools/swagger-parser/package.json');

SwaggerParser.validate(process.argv[2])
  .then(api => {
    console.log(JSON.stringify({ valid: true, version, openapi: api.openapi, paths: Object.keys(api.paths || {}).length }));
  })
  .catch(error => {
    console.log(JSON.stringify({ valid: false, version, error: error.message }));
    process.exit(1);
  });
