// Reads every *.fin file of the folder given as the only argument with swift-parser 0.1.2 and
// prints one JSON object a line: the file, the parser's error if any, and the fields Ledger's
// test compares with what the hub meant to write. swift-parser wants CR LF line ends, as FIN has.
'use strict';
const fs = require('fs');
const path = require('path');
const { SwiftParser } = require('swift-parser');
const version = require('swift-parser/package.json').version;

const folder = process.argv[2];
const parser = new SwiftParser();
const qualified = (fields, type, qualifier) => fields.find(f => f.type + (f.option || '') === type && f.ast && f.ast.Qualifier === qualifier);
for (const name of fs.readdirSync(folder).filter(n => n.endsWith('.fin')).sort()) {
  const text = fs.readFileSync(path.join(folder, name), 'ascii');
  parser.parse(text, (err, ast) => {
    if (err) { console.log(JSON.stringify({ file: name, version, error: String(err.message || err) })); return; }
    const f = ast.block4.fields;
    const seme = qualified(f, '20C', 'SEME');
    const rela = qualified(f, '20C', 'RELA');
    const link = qualified(f, '13A', 'LINK');
    const status = qualified(f, '25D', 'IPRC');
    const reason = qualified(f, '70D', 'REAS');
    console.log(JSON.stringify({
      file: name,
      version,
      messageType: ast.block2.msgType,
      direction: ast.block2.direction,
      recipient: ast.block1.receivingLtId,
      hub: ast.block2.bic,
      controlNumber: seme && seme.ast.Reference,
      relatedReference: rela && rela.ast.Reference,
      linkedMessageType: link && link.ast['Number Identification'],
      statusScheme: status && (status.ast['Data Source Scheme'] || ''),
      status: status && status.ast['Status Code'],
      rejectReason: reason ? reason.ast.Narrative : null,
    }));
  });
}
