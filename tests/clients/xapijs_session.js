// The content session of xAPI.js (@xapi/xapi) against the LRS named in the plan.
"use strict";

const XAPI = require("@xapi/xapi");
const { readPlan, voiding, report, fail } = require("./plan");

async function session(plan) {
  const xapi = new XAPI({
    endpoint: plan.endpoint,
    auth: XAPI.toBasicAuth(plan.key, plan.secret),
    version: plan.version,
    adapter: plan.adapter,
  });
  const agent = { objectType: "Agent", mbox: plan.mbox };
  const about = await xapi.getAbout();
  const single = (await xapi.sendStatement({ statement: plan.statements.single })).data[0];
  const batch = (
    await xapi.sendStatements({
      statements: plan.statements.batch,
    })
  ).data;
  const retrieved = (await xapi.getStatement({ statementId: single })).data;
  const query = { agent, registration: plan.registration };
  const queried = (await xapi.getStatements(query)).data.statements.map((s) => s.id);
  const voidingId = (await xapi.sendStatement({ statement: voiding(plan, single) })).data[0];
  const voided = (await xapi.getVoidedStatement({ voidedStatementId: single })).data;
  const remaining = (await xapi.getStatements(query)).data.statements.map((s) => s.id);
  const where = { agent, activityId: plan.activity, stateId: plan.state_id };
  await xapi.setState({ ...where, state: plan.states.plain });
  await xapi.setState({ ...where, registration: plan.registration, state: plan.states.registered });
  const plain = (await xapi.getState(where)).data;
  const registered = (await xapi.getState({ ...where, registration: plan.registration })).data;
  return {
    sentVersion: plan.version,
    about: { versions: about.data.version, answeredVersion: about.headers["x-experience-api-version"] },
    single,
    batch,
    retrieved: { id: retrieved.id, object: retrieved.object.id, actor: retrieved.actor.mbox },
    queried,
    voiding: voidingId,
    voided: voided.id,
    remaining,
    state: { plain, registered },
  };
}

session(readPlan()).then(report, (error) => {
  const response = error.response;
  fail(response ? `HTTP ${response.status}: ${JSON.stringify(response.data)}` : error.stack);
});
