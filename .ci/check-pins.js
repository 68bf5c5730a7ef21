// Fails when a package the solution references directly restored at another version than the one
// pinned in Directory.Packages.props (NuGet then takes the next version it can find and warns
// NU1603; the build would silently run on a version nobody chose). Reads the JSON of
// `dotnet list Ledger.sln package --format json` from standard input.
'use strict';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  let report;
  try {
    report = JSON.parse(input);
  } catch (e) {
    console.error(`check-pins: 'dotnet list package --format json' did not give JSON: ${e.message}`);
    process.exit(2);
  }
  const drift = [];
  let checked = 0;
  for (const project of report.projects || []) {
    for (const framework of project.frameworks || []) {
      for (const pkg of framework.topLevelPackages || []) {
        checked++;
        if (pkg.requestedVersion !== pkg.resolvedVersion) {
          drift.push(`${pkg.id}: pinned ${pkg.requestedVersion}, restored ${pkg.resolvedVersion} (${project.path})`);
        }
      }
    }
  }
  if (checked === 0) {
    console.error('check-pins: no direct package reference was listed; has the solution been restored?');
    process.exit(2);
  }
  if (drift.length > 0) {
    console.error('check-pins: a direct package reference restored at another version than pinned in Directory.Packages.props');
    console.error('(the package source no longer serves the pinned version; pin one it serves):');
    for (const line of [...new Set(drift)]) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`check-pins: ${checked} direct references in all projects restored exactly as pinned`);
});
