// The content session of TinCanJS (Node build, callbacks) against the LRS named in the plan.
"use strict";

const TinCan = require("tincanjs");
const { readPlan, voiding, report, fail } = require("./plan");

// TinCanJS calls back (err, result); a non-null err is the HTTP status or an exception.
function call(method, ...args) {
  return new Promise((resolve, reject) => {
    const last = args.length - 1;
    args[last] = {
      ...args[last],
      callback: (err, result) => {
        if (err !== null) {
          const body = result && result.responseText ? `: ${result.responseText}` : "";
          reject(new Error(`${method} failed with ${err}${body}`));
        } else {
          resolve(result);
        }
      },
    };
    lrs[method](...args);
  });
}

let lrs;

async function session(plan) {
  lrs = new TinCan.LRS({
    endpoint: plan.endpoint,
    username: plan.key,
    password: plan.secret,
    version: plan.version,
    allowFail: false,
  });
  const agent = new TinCan.Agent({ mbox: plan.mbox });
  const activity = new TinCan.Activity({ id: plan.activity });
  const about = await call("about", {});
  const single = new TinCan.Statement(plan.statements.single);
  await call("saveStatement", single, {});
  const batch = plan.statements.batch.map((s) => new TinCan.Statement(s));
  await call("saveStatements", batch, {});
  const retrieved = await call("retrieveStatement", single.id, {});
  const query = { params: { agent, registration: plan.registration } };
  const queried = (await call("queryStatements", query)).statements.map((s) => s.id);
  const voidingStatement = new TinCan.Statement(voiding(plan, single.id));
  await call("saveStatement", voidingStatement, {});
  const voided = await call("retrieveVoidedStatement", single.id, {});
  const remaining = (await call("queryStatements", query)).statements.map((s) => s.id);
  const where = { agent, activity, contentType: "application/json" };
  await call("saveState", plan.state_id, plan.states.plain, where);
  const registered = { ...where, registration: plan.registration };
  await call("saveState", plan.state_id, plan.states.registered, registered);
  const plainState = await call("retrieveState", plan.state_id, { agent, activity });
  const registeredState = await call("retrieveState", plan.state_id, {
    agent,
    activity,
    registration: plan.registration,
  });
  return {
    sentVersion: lrs.version,
    about: { versions: about.version },
    single: single.id,
    batch: batch.map((s) => s.id),
    retrieved: { id: retrieved.id, object: retrieved.target.id, actor: retrieved.actor.mbox },
    queried,
    voiding: voidingStatement.id,
    voided: voided.id,
    remaining,
    state: { plain: plainState.contents, registered: registeredState.contents },
  };
}

session(readPlan()).then(report, (error) => fail(error.stack || error));
