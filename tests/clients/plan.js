// What every Node client session shares: the plan from argv (tests/clients/plan.py) and the report.
"use strict";

function readPlan() {
  if (process.argv.length < 3) {
    fail("usage: node SESSION.js '<plan JSON>'");
  }
  return JSON.parse(process.argv[2]);
}

function voiding(plan, statementId) {
  const template = plan.statements.voiding;
  return { ...template, object: { ...template.object, id: statementId } };
}

function report(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
}

function fail(message) {
  process.stderr.write(String(message) + "\n");
  process.exit(1);
}

module.exports = { readPlan, voiding, report, fail };
