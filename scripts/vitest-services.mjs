// Vitest global setup of the projects that need PostgreSQL, Redis or Chromium. Under `npm test`
// the runner has provided them already; run directly (`npx vitest run …`) it provides them the
// same way for the duration of the run, so a test never falls back to a system instance.
import { ENV, provision } from './services.mjs';

/** Starts what is missing, hands it to the test workers by environment, and returns the teardown. */
export default async function setup() {
  if (Object.values(ENV).every((name) => process.env[name])) return undefined;
  const services = await provision({ log: (line) => console.log(`[test services] ${line}`) });
  // Workers are forked after global setup and inherit this environment.
  Object.assign(process.env, services.env);
  const onExit = () => services.kill();
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    await services.stop();
  };
}
